import type { Job, LogChunk, LogStream } from '#protocol';
import { ansiSegments, initialAnsiState, type AnsiState } from '../ansi.js';
import type { LimitKey } from '../types.js';
import { formatBytes, limitWarnings, statusView } from '../format.js';
import { toLogLines, type LogLine } from '../log-lines.js';
import { logViewOf, logViewQuery, showChoices, type LogView } from '../log-view.js';
import { h, type Html } from './html.js';

export interface LogPageData {
  job: Job;
  chunks: LogChunk[];
  size: number;
  truncated: boolean;
  /** Follow live from this byte offset (the log's size when the tail was read); null: finished. */
  followFrom: number | null;
  /** Limits the host enforces for no job (said once, in the banner). */
  hostWide?: readonly LimitKey[];
  /** What to show and how; default: the last 20 KB, wrapped, without times. */
  view?: LogView;
}

export function logPage(d: LogPageData): Html {
  const { job } = d;
  const st = statusView(job);
  const view = d.view ?? logViewOf(() => undefined);
  const all = toLogLines(d.chunks);
  const maxLines = 'lines' in view.show ? view.show.lines : Infinity;
  const lines = all.lines.length > maxLines ? all.lines.slice(-maxLines) : all.lines;
  const open = all.open;
  const truncated = d.truncated || lines.length < all.lines.length;
  const ansi = { stdout: initialAnsiState(), stderr: initialAnsiState() };
  // The list shows the reason only on hover; here it is spelled out (phones have no hover).
  const warnings = limitWarnings(job, d.hostWide ?? []);
  return h`<section class="log-page" aria-labelledby="log-title">
<p><a href="/">← Jobs</a> · <a href="/jobs/${job.id}">Job ${job.id}</a></p>
<div class="section-head">
  <h1 id="log-title">Log of job ${job.id} “${job.name}”</h1>
  <span class="status tone-${st.tone}" id="log-status">${st.label}</span><span class="detail" id="log-detail">${st.detail ? ` ${st.detail}` : ''}</span>
</div>
${warnings.length ? h`<p class="limit-notes"><span class="warn">⚠ ${warnings.map((w) => w.limit).join(', ')} not enforced</span> ${warnings[0]!.note}</p>` : ''}
<p class="log-meta">
  <span>${truncated ? h`Showing the last ${'lines' in view.show ? `${lines.length} lines` : formatBytes(d.chunks.reduce((n, c) => n + Buffer.byteLength(c.text), 0))} of` : h`In all:`} <span id="log-size" data-bytes="${d.size}">${formatBytes(d.size)}</span>.
  Lines written to stderr are marked <span class="tag-sample">err</span>; within each stream the order is exact, but an stdout and an stderr write less than ~1 ms apart may appear swapped.${truncated && d.followFrom !== null ? h` New output is added below.` : ''}</span>
  <a class="button" href="/jobs/${job.id}/log.txt" download>Download the whole log</a>
  <a class="button" href="/jobs/${job.id}/log${logViewQuery(view)}">Reload</a>
  <span id="follow-state" class="live" ${d.followFrom === null ? 'hidden' : ''}>${d.followFrom === null ? '' : '● following'}</span>
</p>
${logOptions(job.id, view)}
<div class="log-box">
<div class="log${view.wrap ? '' : ' nowrap'}" id="log" role="log" aria-label="Output" tabindex="0" data-open="${open ? 'true' : 'false'}" data-timestamps="${view.timestamps ? 'true' : 'false'}"${
    d.followFrom === null ? '' : h` data-follow="/jobs/${job.id}/log/events?from=${d.followFrom}"`
  }>${lines.length === 0 ? h`<div class="ln empty" id="log-empty"><span class="tag"></span><span class="txt">(no output yet)</span></div>` : ''}${lines.map((l) => lineHtml(l, ansi, view.timestamps))}</div>
<button type="button" class="new-output" id="new-output" hidden>↓ new output</button>
</div>
</section>`;
}

/** The view's controls: a GET form that works without JavaScript (log.js applies them at once). */
function logOptions(id: number, v: LogView): Html {
  return h`<form class="log-options" method="get" action="/jobs/${id}/log" id="log-options">
<input type="hidden" name="opts" value="1">
<label>Show <select name="show" id="log-show">${showChoices.map((c) => h`<option value="${c.value}"${c === v.show ? ' selected' : ''}>${c.label}</option>`)}</select></label>
<label><input type="checkbox" name="timestamps" value="1" id="log-timestamps"${v.timestamps ? ' checked' : ''}> Timestamps</label>
<label><input type="checkbox" name="wrap" value="1" id="log-wrap"${v.wrap ? ' checked' : ''}> Wrap lines</label>
<button type="submit" id="log-apply">Apply</button>
<span class="log-search" id="log-search-box" hidden><label>Find <input type="search" id="log-search" placeholder="in the loaded text" autocomplete="off"></label> <output id="log-search-count" for="log-search" aria-live="polite"></output></span>
</form>`;
}

/** One line; `ansi` carries each stream's colours from line to line (give one per page). */
export function lineHtml(line: LogLine, ansi: Record<LogStream, AnsiState> = { stdout: initialAnsiState(), stderr: initialAnsiState() }, timestamps = false): Html {
  return h`<div class="ln${line.stderr ? ' err' : ''}">${timestamps ? h`<time class="ts" datetime="${line.at ?? ''}">${line.at ? line.at.slice(11, 23) : ''}</time>` : ''}<span class="tag">${line.stderr ? 'err' : ''}</span><span class="txt">${line.pieces.map((p) => {
    const base = p.stream === 'stderr' ? 'e' : 'o';
    return ansiSegments(p.text, ansi[p.stream]).map((seg) => h`<span class="${seg.cls ? `${base} ${seg.cls}` : base}">${seg.text}</span>`);
  })}</span></div>`;
}
