import type { Job, JobStats } from '#protocol';
import type { LimitKey } from '../types.js';
import { formatBytes, formatCpus, formatDuration, formatMemoryMb, formatTime, runTimeMs, statusView } from '../format.js';
import { actionForm, jobStopAction } from './job-row.js';
import { h, type Html } from './html.js';

export interface JobPageData {
  job: Job;
  /** Live use of a running job; null when it is not running or Docker could not say. */
  stats: JobStats | null;
  /** Limits this host cannot enforce for any job (the banner says why): not repeated per job. */
  hostUnenforced: readonly LimitKey[];
}

/** Everything about one job: its whole spec, where it runs, its live use and every action. */
export function jobPage(d: JobPageData, ctx: { csrf: string; now: Date }): Html {
  const { job } = d;
  const st = statusView(job);
  const back = `/jobs/${job.id}`;
  const command = job.cmd ?? (job.argv ? JSON.stringify(job.argv) : '');
  const run = runTimeMs(job, ctx.now);
  const envNames = Object.keys(job.env).sort();
  return h`<section class="job-page" aria-labelledby="job-title">
<p><a href="/">← Jobs</a></p>
<div class="section-head">
  <h1 id="job-title">Job ${job.id} “${job.name}”</h1>
  <span class="status tone-${st.tone}" id="job-status">${st.label}</span><span class="detail" id="job-detail">${st.detail ? ` ${st.detail}` : ''}</span>
</div>
<div class="actions job-actions">
  <a class="button" href="/jobs/${job.id}/log">Log</a>
  <a class="button" href="/jobs/${job.id}/log.txt" download>Download log</a>
  ${jobStopAction(job, { csrf: ctx.csrf, back, now: ctx.now })}
  ${actionForm(job.id, 'rerun', 'Re-run', { csrf: ctx.csrf, back, now: ctx.now })}
  <a class="button" href="/?duplicate=${job.id}#create">Duplicate…</a>
  <a class="button danger" href="/jobs/${job.id}/remove?back=%2F">Remove…</a>
</div>
<h2>Live use</h2>
${statsBlock(job, d.stats)}
<h2>Spec</h2>
<dl class="spec">
  <dt>Command</dt><dd><code class="command" id="job-command">${command}</code>${job.argv ? h` <small>(exec form, no shell)</small>` : h` <small>(run with /bin/sh -c)</small>`}</dd>
  <dt>Image</dt><dd><code>${job.image}</code></dd>
  <dt>Limits</dt><dd><ul class="limit-list">
    ${limitItem('CPUs', formatCpus(job.cpus), job, 'cpus', d.hostUnenforced)}
    ${limitItem('Memory', formatMemoryMb(job.memoryMb), job, 'memory', d.hostUnenforced)}
    ${limitItem('IO weight', String(job.ioWeight), job, 'ioWeight', d.hostUnenforced)}
    ${limitItem('Processes', String(job.pidsLimit), job, 'pids', d.hostUnenforced)}
    <li>Time limit: ${job.timeoutSeconds > 0 ? formatDuration(job.timeoutSeconds * 1000) : 'none'}</li>
  </ul></dd>
  <dt>Environment</dt><dd>${envNames.length ? h`${envNames.map((n, i) => h`${i ? ', ' : ''}<code>${n}</code>`)} <small>(values not shown)</small>` : 'none'}</dd>
  <dt>Network</dt><dd>${job.network === 'none' ? 'none (isolated)' : 'bridge (internet access)'}</dd>
  <dt>IP address</dt><dd>${job.ip ?? '-'}</dd>
  <dt>Endpoints</dt><dd>${job.endpoints.length ? h`<ul class="endpoints">${job.endpoints.map((e) => h`<li><a href="${e.path}" class="endpoint">port ${e.port}: ${e.path}</a></li>`)}</ul>` : job.ports.length ? 'not reachable yet' : 'none'}</dd>
  <dt>Created</dt><dd><time datetime="${job.createdAt}">${formatTime(job.createdAt)}</time></dd>
  <dt>Started</dt><dd>${job.startedAt ? h`<time datetime="${job.startedAt}">${formatTime(job.startedAt)}</time>` : '-'}</dd>
  <dt>Finished</dt><dd>${job.finishedAt ? h`<time datetime="${job.finishedAt}">${formatTime(job.finishedAt)}</time>` : '-'}</dd>
  <dt>Run time</dt><dd>${run === null ? '-' : formatDuration(run)}</dd>
  <dt>Exit code</dt><dd>${job.exitCode ?? '-'}</dd>
  <dt>Owner</dt><dd>${job.owner}</dd>
  <dt>Container</dt><dd>${job.containerId ? h`<code>${job.containerId.slice(0, 12)}</code>` : '-'}</dd>
</dl>
</section>`;
}

function statsBlock(job: Job, s: JobStats | null): Html {
  const live = job.status === 'running';
  return h`<div class="stats" id="stats"${live ? h` data-stats="/jobs/${job.id}/stats"` : ''}>
<p class="stat-numbers">
  <span>CPU <strong id="stat-cpu">${s ? `${s.cpuPercent.toFixed(1)}%` : '-'}</strong> <small id="stat-cpu-limit">${s ? `(${s.cpuPercentOfLimit.toFixed(0)}% of ${formatCpus(job.cpus)} CPU)` : ''}</small></span>
  <span>Memory <strong id="stat-mem">${s ? formatBytes(s.memoryBytes) : '-'}</strong> <small id="stat-mem-limit">${s ? `of ${formatBytes(s.memoryLimitBytes)}` : ''}</small></span>
  <span>Processes <strong id="stat-pids">${s ? s.pids : '-'}</strong></span>
</p>
${live ? '' : h`<p class="muted">Live use is shown while the job runs.</p>`}
<div class="stat-chart" id="stat-chart" hidden></div>
</div>`;
}

function limitItem(label: string, value: string, job: Job, key: LimitKey, hostUnenforced: readonly LimitKey[]): Html {
  const e = job.enforced;
  let state: Html;
  if (!e) state = h`<span class="muted">checked when it starts</span>`;
  else if (e[key]) state = h`<span class="ok-text">✓ enforced</span>`;
  else if (hostUnenforced.includes(key)) state = h`<span class="warn">⚠ not enforced on this host</span> <small>(see the banner)</small>`;
  else state = h`<span class="warn">⚠ not enforced</span> <small>${e.note ?? 'not verified in the container'}</small>`;
  return h`<li>${label}: <strong>${value}</strong> ${state}</li>`;
}
