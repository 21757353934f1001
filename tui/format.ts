import type { Job } from '../server/protocol/index.js';

// Pure presentation helpers: data in, strings out (STYLE.md 7). Nothing here knows about blessed.

/** 0s, 45s, 3m05s, 2h07m, 3d04h: two units at most, so a column never grows past 6 characters. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  const d = Math.floor(h / 24);
  return `${d}d${String(h % 24).padStart(2, '0')}h`;
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 512 B, 1.5 KiB, 256 MiB: binary units, one decimal below 10. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${v} B`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatMemoryMb(mb: number): string {
  return formatBytes(mb * 1024 * 1024);
}

/** 0.5, 2, 1.25: no trailing zeros. */
export function formatCpus(cpus: number): string {
  return String(Number(cpus.toFixed(2)));
}

/** `running`, `exited (completed)`, `error: image nope not found`, `pending: pulling image 45%`. */
export function statusLabel(job: Pick<Job, 'status' | 'reason' | 'progress'>): string {
  switch (job.status) {
    case 'exited':
      return job.reason ? `exited (${job.reason})` : 'exited';
    case 'error':
      return job.reason ? `error: ${job.reason}` : 'error';
    case 'pending':
      return job.progress ? `pending: ${job.progress}` : 'pending';
    default:
      return job.status;
  }
}

export type StatusTone = 'ok' | 'busy' | 'done' | 'bad';

/** The colour family of a status; views map it to a colour, and the label stays readable without it. */
export function statusTone(job: Pick<Job, 'status' | 'reason'>): StatusTone {
  if (job.status === 'running') return 'ok';
  if (job.status === 'pending') return 'busy';
  if (job.status === 'error') return 'bad';
  return job.reason === 'completed' || job.reason === 'stopped' ? 'done' : 'bad';
}

/** A running job shows how long it has run (`run 3m05s`); a finished one how long it ran; a pending
 * one how long ago it was created (`age 12s`). */
export function timeLabel(job: Pick<Job, 'status' | 'createdAt' | 'startedAt' | 'finishedAt'>, nowMs: number): string {
  const t = (iso: string | null) => (iso ? Date.parse(iso) : NaN);
  const started = t(job.startedAt);
  if (job.status === 'running' && Number.isFinite(started)) return `run ${formatDuration(nowMs - started)}`;
  const finished = t(job.finishedAt);
  if (Number.isFinite(started) && Number.isFinite(finished)) return `ran ${formatDuration(finished - started)}`;
  return `age ${formatDuration(nowMs - t(job.createdAt))}`;
}

/** Cut or pad to exactly `width` columns, with an ellipsis when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}

const bars = '▁▂▃▄▅▆▇█';

/** A text sparkline of the last `width` values scaled to `max` (or the largest value). */
export function sparkline(values: readonly number[], width: number, max?: number): string {
  const tail = values.slice(-width);
  const top = max ?? Math.max(1, ...tail);
  return tail
    .map((v) => {
      const i = Math.round((Math.max(0, Math.min(v, top)) / top) * (bars.length - 1));
      return bars[i];
    })
    .join('');
}
