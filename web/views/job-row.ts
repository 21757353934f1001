import type { Job } from '#protocol';
import type { LimitKey } from '../types.js';
import { formatCpus, formatDuration, formatMemoryMb, formatTime, limitWarnings, runTimeMs, statusView } from '../format.js';
import { csrfField } from './layout.js';
import { h, type Html } from './html.js';

export interface RowContext {
  csrf: string;
  /** The list URL to come back to after an action (keeps filters and page). */
  back: string;
  now: Date;
  /** Limits the host enforces for no job: the banner says so, the rows do not repeat it. */
  hostWide?: readonly LimitKey[];
}

export const jobColumns = ['Select', 'ID', 'Name', 'Image', 'Status', 'Exit code', 'Limits', 'Created', 'Run time', 'Actions'] as const;

/** One job as a table row; the same markup is sent over /events so the live list matches a reload. */
export function jobRow(job: Job, ctx: RowContext): Html {
  const st = statusView(job);
  const run = runTimeMs(job, ctx.now);
  const command = job.cmd ?? (job.argv ? job.argv.join(' ') : '');
  return h`<tr id="job-${job.id}" data-id="${job.id}" data-status="${job.status}">
<td data-label="Select" class="pick"><input type="checkbox" name="ids[]" value="${job.id}" form="bulk" aria-label="Select job ${job.id} ${job.name}"></td>
<td data-label="ID" class="num">${job.id}</td>
<td data-label="Name" class="name"><a href="/jobs/${job.id}"><strong>${job.name}</strong></a>${command ? h`<code class="cmd" title="${command}">${command}</code>` : ''}</td>
<td data-label="Image"><code>${job.image}</code></td>
<td data-label="Status"><span class="status tone-${st.tone}">${st.label}</span>${st.detail ? h` <span class="detail">${st.detail}</span>` : ''}</td>
<td data-label="Exit code" class="num">${job.exitCode ?? '-'}</td>
<td data-label="Limits">${limitsCell(job, ctx.hostWide ?? [])}</td>
<td data-label="Created"><time datetime="${job.createdAt}">${createdCell(job.createdAt)}</time></td>
<td data-label="Run time" class="num">${run === null ? '-' : h`<span${job.status === 'running' && job.startedAt ? h` data-started="${job.startedAt}"` : ''}>${formatDuration(run)}</span>`}</td>
<td data-label="Actions" class="actions">
<a class="button" href="/jobs/${job.id}/log">Log</a>
${actionForm(job.id, 'refresh', 'Refresh', ctx)}
${jobStopAction(job, ctx)}
${actionForm(job.id, 'remove', 'Remove…', ctx, 'danger js-confirm-remove')}
</td>
</tr>`;
}

/** Stop on a live job; Kill once it is stopping (a command that ignores SIGTERM waits out the grace). */
export function jobStopAction(job: Job, ctx: RowContext): Html | '' {
  if (isStopping(job)) return actionForm(job.id, 'kill', 'Kill', ctx, 'danger');
  return job.status === 'running' || job.status === 'pending' ? actionForm(job.id, 'stop', 'Stop', ctx) : '';
}

export function isStopping(job: Pick<Job, 'status' | 'progress'>): boolean {
  return job.status === 'running' && job.progress === 'stopping';
}

export function actionForm(id: number, action: string, label: string, ctx: RowContext, cls = ''): Html {
  return h`<form method="post" action="/jobs/${id}/${action}" class="inline">${csrfField(ctx.csrf)}<input type="hidden" name="back" value="${ctx.back}"><button type="submit" class="${cls}">${label}</button></form>`;
}

/** Date and time each kept whole, so a narrow column wraps between them and nowhere else. */
function createdCell(iso: string): Html {
  const text = formatTime(iso);
  const space = text.indexOf(' ');
  if (space < 0) return h`${text}`;
  return h`<span class="nw">${text.slice(0, space)}</span> <span class="nw">${text.slice(space + 1)}</span>`;
}

function limitsCell(job: Job, hostWide: readonly LimitKey[]): Html {
  const warnings = limitWarnings(job, hostWide);
  return h`<span class="limits">${formatCpus(job.cpus)} CPU · ${formatMemoryMb(job.memoryMb)} · IO ${job.ioWeight}${job.timeoutSeconds > 0 ? h` · ${formatDuration(job.timeoutSeconds * 1000)} max` : ''}</span>${warnings.map(
    (w) => h` <span class="warn" title="${w.note}">⚠ ${w.limit} not enforced</span>`,
  )}`;
}
