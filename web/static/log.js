/* global document, window, EventSource */
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
  if (!log.dataset.follow || !window.EventSource) return;

  function newLine() {
    var empty = document.getElementById('log-empty');
    if (empty) empty.remove();
    var line = document.createElement('div');
    line.className = 'ln';
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
  function append(stream, segs) {
    for (var s = 0; s < segs.length; s++) appendText(stream, segs[s].text, segs[s].cls);
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
        last.firstElementChild.textContent = 'err';
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
    append(msg.stream, msg.segs);
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
