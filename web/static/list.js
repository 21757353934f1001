/* global document, window, EventSource, HTMLFormElement, URLSearchParams, setTimeout, setInterval */
// Live job list: rows arrive from /events already rendered (and escaped) by the server; this only
// swaps them in. Without JavaScript the page works the same, just without live updates.
(function () {
  'use strict';
  // The status filter and the page size apply as soon as they change.
  document.querySelectorAll('form.filters select').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });

  var table = document.getElementById('jobs');
  if (!table || !window.EventSource) return;
  var tbody = table.tBodies[0];
  var live = document.getElementById('live');
  var firstPage = table.dataset.firstPage === 'true';
  var params = new URLSearchParams();
  ['status', 'search', 'cursor', 'limit'].forEach(function (k) { if (table.dataset[k]) params.set(k, table.dataset[k]); });
  params.set('back', table.dataset.back || '/');

  // A later page stays as it is while someone reads it: jobs newer than its newest are counted and
  // offered as a link to the first page, not slipped in among older rows.
  var newest = Number(table.dataset.newest || 0);
  var fresh = new Set();
  var newer = document.getElementById('newer');
  function noteFresh(id, matches) {
    if (matches && id > newest) fresh.add(id);
    else fresh.delete(id);
    if (!newer) return;
    newer.textContent = '';
    if (fresh.size === 0) return;
    var a = document.createElement('a');
    a.href = newer.dataset.href || '/';
    a.textContent = fresh.size + (fresh.size === 1 ? ' new job' : ' new jobs') + ' — show newest';
    newer.appendChild(a);
  }

  // The first page's "Showing 1–50 of 1,234": rows that arrive or go move the numbers with them.
  function bump(delta) {
    ['last', 'shown', 'total'].forEach(function (k) {
      var el = document.querySelector('#page-summary [data-count="' + k + '"]');
      if (el) el.textContent = (Number(el.textContent.replace(/,/g, '')) + delta).toLocaleString('en-US');
    });
    var noun = document.querySelector('#page-summary [data-noun]');
    var before = noun && (document.querySelector('#page-summary [data-count="total"]') || document.querySelector('#page-summary [data-count="shown"]'));
    if (before) noun.textContent = noun.dataset.noun + (before.textContent === '1' ? 'job' : 'jobs');
  }

  function toRow(html) {
    var t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function place(id, html, matches) {
    var row = toRow(html);
    if (!row) return;
    var old = document.getElementById('job-' + id);
    if (old) {
      // Highlight only real changes, not the resync sent when the stream (re)connects.
      var changed = old.dataset.status !== row.dataset.status;
      var wasPicked = old.querySelector('.pick input');
      var pick = row.querySelector('.pick input');
      if (wasPicked && pick) pick.checked = wasPicked.checked;
      old.replaceWith(row);
      if (changed) flash(row);
      return;
    }
    if (!firstPage) {
      noteFresh(id, matches);
      return;
    }
    if (!matches) return;
    bump(1);
    var empty = tbody.querySelector('tr.empty');
    if (empty) empty.remove();
    // Newest first: before the first row with a smaller id.
    var rows = tbody.querySelectorAll('tr[data-id]');
    for (var i = 0; i < rows.length; i++) {
      if (Number(rows[i].dataset.id) < id) {
        tbody.insertBefore(row, rows[i]);
        flash(row);
        return;
      }
    }
    tbody.appendChild(row);
    flash(row);
  }

  function flash(row) {
    row.classList.add('changed');
    setTimeout(function () { row.classList.remove('changed'); }, 1500);
  }

  var source = new EventSource('/events?' + params.toString());
  source.addEventListener('ready', function () { if (live) live.hidden = false; });
  source.addEventListener('job', function (ev) {
    var msg = JSON.parse(ev.data);
    place(msg.id, msg.html, msg.matches);
  });
  source.addEventListener('removed', function (ev) {
    var id = JSON.parse(ev.data).id;
    var row = document.getElementById('job-' + id);
    if (row) {
      row.remove();
      if (firstPage) bump(-1);
    }
    if (fresh.has(id)) noteFresh(id, false);
  });
  source.addEventListener('error', function () { if (live) live.hidden = true; });

  // A confirm() on top of the no-JS confirmation page: confirmed here, the POST removes at once.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    var button = form.querySelector('button.js-confirm-remove');
    if (!button) return;
    var row = form.closest('tr');
    var name = row ? row.querySelector('.name strong') : null;
    if (!window.confirm('Remove job ' + (row ? row.dataset.id : '') + (name ? ' “' + name.textContent + '”' : '') +
        '? Its container, record and log are deleted. This cannot be undone.')) {
      ev.preventDefault();
      return;
    }
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = 'confirmed';
    input.value = 'yes';
    form.appendChild(input);
  });

  // Running jobs' run time ticks without a round trip.
  function fmt(ms) {
    var s = Math.floor(Math.max(0, ms) / 1000);
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + p(s % 60) + 's';
    var h = Math.floor(m / 60);
    if (h < 24) return h + 'h ' + p(m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + p(h % 24) + 'h';
  }
  setInterval(function () {
    var now = Date.now();
    document.querySelectorAll('[data-started]').forEach(function (el) {
      el.textContent = fmt(now - Date.parse(el.dataset.started));
    });
  }, 1000);
})();
