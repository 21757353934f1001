import type { Job, LogChunk, LogStream } from '#protocol';
import { ansiSegments, initialAnsiState, type AnsiState } from '../ansi.js';
import type { LimitKey } from '../types.js';
import { formatBytes, limitWarnings, statusView } from '../format.js';
import { toLogLines, type LogLine } from '../log-lines.js';
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
}

export function logPage(d: LogPageData): Html {
  const { job } = d;
  const st = statusView(job);
  const { lines, open } = toLogLines(d.chunks);
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
  <span>${d.truncated ? h`Showing the last ${formatBytes(d.chunks.reduce((n, c) => n + Buffer.byteLength(c.text), 0))} of` : h`In all:`} <span id="log-size" data-bytes="${d.size}">${formatBytes(d.size)}</span>.
  Lines written to stderr are marked <span class="tag-sample">err</span>; within each stream the order is exact, but an stdout and an stderr write less than ~1 ms apart may appear swapped.${d.truncated && d.followFrom !== null ? h` New output is added below.` : ''}</span>
  <a class="button" href="/jobs/${job.id}/log.txt" download>Download the whole log</a>
  <a class="button" href="/jobs/${job.id}/log">Reload</a>
  <span id="follow-state" class="live" ${d.followFrom === null ? 'hidden' : ''}>${d.followFrom === null ? '' : '● following'}</span>
</p>
<div class="log-box">
<div class="log" id="log" role="log" aria-label="Output" tabindex="0" data-open="${open ? 'true' : 'false'}"${
    d.followFrom === null ? '' : h` data-follow="/jobs/${job.id}/log/events?from=${d.followFrom}"`
  }>${lines.length === 0 ? h`<div class="ln empty" id="log-empty"><span class="tag"></span><span class="txt">(no output yet)</span></div>` : ''}${lines.map((l) => lineHtml(l, ansi))}</div>
<button type="button" class="new-output" id="new-output" hidden>↓ new output</button>
</div>
</section>`;
}

/** One line; `ansi` carries each stream's colours from line to line (give one per page). */
export function lineHtml(line: LogLine, ansi: Record<LogStream, AnsiState> = { stdout: initialAnsiState(), stderr: initialAnsiState() }): Html {
  return h`<div class="ln${line.stderr ? ' err' : ''}"><span class="tag">${line.stderr ? 'err' : ''}</span><span class="txt">${line.pieces.map((p) => {
    const base = p.stream === 'stderr' ? 'e' : 'o';
    return ansiSegments(p.text, ansi[p.stream]).map((seg) => h`<span class="${seg.cls ? `${base} ${seg.cls}` : base}">${seg.text}</span>`);
  })}</span></div>`;
}
