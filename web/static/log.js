/* global document, window, EventSource, NodeFilter */
// Live log: appends what /jobs/:id/log/events sends, continuing the same line structure the server
// rendered (a line is marked "err" when any of it came from stderr). textContent only: never HTML.
(function () {
  'use strict';
  var log = document.getElementById('log');
  if (!log) return;
  var state = document.getElementById('follow-state');
  var open = log.dataset.open === 'true';
  var last = open ? log.lastElementChild : null;
  var newOutput = document.getElementById('new-output');

  // Open at the end, like a terminal; keep following while the reader stays there; once they
  // scroll up, leave the view alone and offer a way back down instead.
  var stick = true;
  function toBottom() {
    log.scrollTop = log.scrollHeight;
    stick = true;
    if (newOutput) newOutput.hidden = true;
  }
  toBottom();
  log.addEventListener('scroll', function () {
    stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    if (stick && newOutput) newOutput.hidden = true;
  });
  if (newOutput) newOutput.addEventListener('click', function () { toBottom(); log.focus(); });
  setupOptions();
  if (!log.dataset.follow || !window.EventSource) return;

  // The view's controls: wrap applies in place; the others reload with the choice (the GET form).
  function setupOptions() {
    var form = document.getElementById('log-options');
    if (!form) return;
    var wrap = document.getElementById('log-wrap');
    if (wrap) wrap.addEventListener('change', function () {
      log.classList.toggle('nowrap', !wrap.checked);
      if (stick) log.scrollTop = log.scrollHeight;
    });
    ['log-show', 'log-timestamps'].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.addEventListener('change', function () { form.submit(); });
    });
    var apply = document.getElementById('log-apply');
    if (apply) apply.hidden = true;
    var box = document.getElementById('log-search-box');
    var input = document.getElementById('log-search');
    if (box && input) {
      box.hidden = false;
      input.addEventListener('input', function () { search(input.value); });
      input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') ev.preventDefault(); });
    }
  }

  // Search in the loaded text: every match wrapped in <mark>, counted; the first scrolled into view.
  var query = '';
  function clearMarks() {
    var marks = log.querySelectorAll('mark.hit');
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i];
      var parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    }
  }
  function markIn(root, needle) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) {
      if (walker.currentNode.parentNode.closest('.txt')) nodes.push(walker.currentNode);
    }
    var count = 0;
    var lower = needle.toLowerCase();
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var hay = text.toLowerCase();
      var at = hay.indexOf(lower);
      if (at < 0) return;
      var frag = document.createDocumentFragment();
      var from = 0;
      while (at >= 0) {
        if (at > from) frag.appendChild(document.createTextNode(text.slice(from, at)));
        var mark = document.createElement('mark');
        mark.className = 'hit';
        mark.textContent = text.slice(at, at + needle.length);
        frag.appendChild(mark);
        count++;
        from = at + needle.length;
        at = hay.indexOf(lower, from);
      }
      if (from < text.length) frag.appendChild(document.createTextNode(text.slice(from)));
      node.parentNode.replaceChild(frag, node);
    });
    return count;
  }
  function search(q) {
    query = q;
    clearMarks();
    var out = document.getElementById('log-search-count');
    if (!q) { if (out) out.textContent = ''; return; }
    var n = markIn(log, q);
    if (out) out.textContent = n === 1 ? '1 match' : n + ' matches';
    var first = log.querySelector('mark.hit');
    if (first) {
      stick = false;
      first.scrollIntoView({ block: 'center' });
    }
  }

  var timestamps = log.dataset.timestamps === 'true';
  var chunkAt = '';
  function newLine() {
    var empty = document.getElementById('log-empty');
    if (empty) empty.remove();
    var line = document.createElement('div');
    line.className = 'ln';
    if (timestamps) {
      var ts = document.createElement('time');
      ts.className = 'ts';
      ts.dateTime = chunkAt;
      ts.textContent = chunkAt.slice(11, 23);
      line.appendChild(ts);
    }
    var tag = document.createElement('span');
    tag.className = 'tag';
    var txt = document.createElement('span');
    txt.className = 'txt';
    line.appendChild(tag);
    line.appendChild(txt);
    log.appendChild(line);
    return line;
  }

  // segs: [{text, cls}] with the colours already parsed by the server (web/ansi.ts).
  function append(stream, segs, at) {
    chunkAt = at || '';
    for (var s = 0; s < segs.length; s++) appendText(stream, segs[s].text, segs[s].cls);
    // Keep the search's highlights and count true for the text that just arrived.
    if (query) {
      clearMarks();
      var n = markIn(log, query);
      var out = document.getElementById('log-search-count');
      if (out) out.textContent = n === 1 ? '1 match' : n + ' matches';
    }
    if (stick) log.scrollTop = log.scrollHeight;
    else if (newOutput) newOutput.hidden = false;
  }

  function appendText(stream, data, cls) {
    var parts = data.split('\n');
    for (var i = 0; i < parts.length; i++) {
      if (i > 0) last = null;
      var text = parts[i];
      if (text === '' && i === parts.length - 1) continue;
      if (!last) last = newLine();
      if (text !== '') {
        var piece = document.createElement('span');
        piece.className = (stream === 'stderr' ? 'e' : 'o') + (cls ? ' ' + cls : '');
        piece.textContent = text;
        last.lastElementChild.appendChild(piece);
      }
      if (stream === 'stderr' && !last.classList.contains('err')) {
        last.classList.add('err');
        last.querySelector('.tag').textContent = 'err';
      }
    }
  }

  var source = new EventSource(log.dataset.follow);
  var size = document.getElementById('log-size');
  // The same units as the server's formatBytes.
  function bytes(n) {
    var units = ['B', 'KB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return i === 0 ? n + ' B' : (n < 10 ? n.toFixed(1) : Math.round(n)) + ' ' + units[i];
  }

  source.addEventListener('log', function (ev) {
    var msg = JSON.parse(ev.data);
    append(msg.stream, msg.segs, msg.at);
    // The event id is the byte offset after this chunk: the log's size so far.
    if (size && ev.lastEventId) size.textContent = bytes(Number(ev.lastEventId));
  });
  source.addEventListener('end', function (ev) {
    source.close();
    var msg = JSON.parse(ev.data);
    var status = document.getElementById('log-status');
    if (status && msg.status) {
      status.textContent = msg.status.label;
      status.className = 'status tone-' + msg.status.tone;
      var detail = document.getElementById('log-detail');
      if (detail) detail.textContent = msg.status.detail ? ' ' + msg.status.detail : '';
    }
    if (state) {
      state.textContent = msg.reason === 'removed' ? 'job removed' : 'finished';
      state.classList.remove('live');
    }
  });
  source.addEventListener('error', function () {
    if (state && source.readyState === EventSource.CONNECTING) state.textContent = '○ reconnecting…';
  });
  source.addEventListener('open', function () {
    if (state) state.textContent = '● following';
  });
})();
