/* global document, window, fetch, setTimeout */
// The job page's live numbers: the server renders them on load; this refreshes them from
// /jobs/:id/stats every 2 s while the job runs and draws the last minute as a small chart.
(function () {
  'use strict';
  var box = document.getElementById('stats');
  if (!box || !box.dataset.stats || !window.fetch) return;
  var url = box.dataset.stats;
  var chart = document.getElementById('stat-chart');
  var svgNs = 'http://www.w3.org/2000/svg';
  var cpu = [];
  var mem = [];
  var keep = 30;

  function set(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }
  function bytes(n) {
    var units = ['B', 'KB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return i === 0 ? n + ' B' : (n < 10 ? n.toFixed(1) : Math.round(n)) + ' ' + units[i];
  }

  function line(svg, values, max, cls) {
    if (values.length < 2) return;
    var pts = [];
    for (var i = 0; i < values.length; i++) {
      pts.push((i * 300 / (keep - 1)).toFixed(1) + ',' + (58 - 56 * Math.min(1, values[i] / max)).toFixed(1));
    }
    var pl = document.createElementNS(svgNs, 'polyline');
    pl.setAttribute('points', pts.join(' '));
    pl.setAttribute('class', cls);
    svg.appendChild(pl);
  }

  function draw(limitBytes) {
    if (!chart) return;
    chart.hidden = false;
    chart.textContent = '';
    var svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('viewBox', '0 0 300 60');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'CPU (solid) and memory (dashed) over the last minute');
    line(svg, cpu, Math.max(100, Math.max.apply(null, cpu)), 'cpu');
    line(svg, mem, limitBytes || Math.max.apply(null, mem) || 1, 'mem');
    chart.appendChild(svg);
  }

  function tick() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.status) {
          var st = document.getElementById('job-status');
          if (st) { st.textContent = d.status.label; st.className = 'status tone-' + d.status.tone; }
          set('job-detail', d.status.detail ? ' ' + d.status.detail : '');
        }
        if (d.stats) {
          set('stat-cpu', d.stats.cpuPercent.toFixed(1) + '%');
          set('stat-mem', bytes(d.stats.memoryBytes));
          set('stat-mem-limit', 'of ' + bytes(d.stats.memoryLimitBytes));
          set('stat-pids', String(d.stats.pids));
          cpu.push(d.stats.cpuPercent);
          mem.push(d.stats.memoryBytes);
          if (cpu.length > keep) { cpu.shift(); mem.shift(); }
          draw(d.stats.memoryLimitBytes);
        }
        if (d.running) setTimeout(tick, 2000);
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  tick();
})();
