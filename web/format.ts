import { formatBytes as sharedBytes, formatDuration as sharedDuration, statusTone, unenforcedLimits, type Job, type StatusTone } from '#protocol';
import type { LimitKey } from './types.js';

// Pure presentation helpers for the web page: data in, strings out (STYLE.md 7).

export { formatCpus } from '#protocol';

/** 0s, 45s, 3m 05s, 2h 07m, 3d 04h: two units at most. */
export function formatDuration(ms: number): string {
  return sharedDuration(ms, ' ');
}

/** 512 B, 1.5 KB, 20 KB, 256 MB (binary multiples, labelled the short way people read on a page). */
export function formatBytes(bytes: number): string {
  return sharedBytes(bytes, ['B', 'KB', 'MB', 'GB', 'TB']);
}

export function formatMemoryMb(mb: number): string {
  return formatBytes(mb * 1024 * 1024);
}

/** `2025-11-26 16:01:02 UTC`: one unambiguous form whatever the server's or browser's zone. */
export function formatTime(iso: string | null): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Wall time a job ran (or has been running, measured against `now`); null before it started. */
export function runTimeMs(job: Pick<Job, 'startedAt' | 'finishedAt'>, now: Date): number | null {
  if (!job.startedAt) return null;
  const start = Date.parse(job.startedAt);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return Math.max(0, end - start);
}

export interface StatusView {
  /** The status word, always shown as text so colour is never the only signal. */
  label: string;
  /** The detail after it: exit reason, error message or pull progress; '' when none. */
  detail: string;
  /** CSS modifier (`tone-ok` ...): the shared statusTone. */
  tone: StatusTone;
}

const reasonText: Record<string, string> = {
  completed: 'completed',
  failed: 'failed',
  oom_killed: 'out of memory',
  timed_out: 'timed out',
  stopped: 'stopped',
  lost: 'lost',
};

export function statusView(job: Pick<Job, 'status' | 'reason' | 'progress' | 'exitCode'>): StatusView {
  const tone = statusTone(job);
  switch (job.status) {
    case 'pending':
      return { label: 'pending', detail: job.progress ?? '', tone };
    case 'running':
      // job.stop answers before the job has exited: say so until job.updated brings the end.
      return job.progress === 'stopping' ? { label: 'stopping', detail: '', tone: 'wait' } : { label: 'running', detail: '', tone };
    case 'error':
      return { label: 'error', detail: job.reason ?? '', tone };
    case 'exited': {
      const reason = job.reason ?? '';
      return { label: 'exited', detail: reasonText[reason] ?? reason, tone };
    }
  }
}

export interface LimitWarning {
  limit: string;
  note: string;
}

/** The limits a job asked for that the server could not verify in its cgroup, leaving out those
 * this host enforces for no job (`hostWide`: the banner says those once). */
export function limitWarnings(job: Pick<Job, 'enforced' | 'status'>, hostWide: readonly LimitKey[] = []): LimitWarning[] {
  if (!job.enforced) return [];
  const note = job.enforced.note ?? 'not verified in the container';
  const perJob = { ...job.enforced };
  for (const k of hostWide) perJob[k] = true;
  return unenforcedLimits(perJob).map((limit) => ({ limit, note }));
}
