// Presentation helpers every client of the contract shares (the TUI and the web page): numbers of
// the contract in, short strings out.
import type { Enforced, Job } from './job.js';

/** 0s, 45s, 3m05s, 2h07m, 3d04h: two units at most; `separator` goes between them ("3m 05s"). */
export function formatDuration(ms: number, separator = ''): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const pad = (n: number) => String(n).padStart(2, '0');
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${separator}${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${separator}${pad(m % 60)}m`;
  const d = Math.floor(h / 24);
  return `${d}d${separator}${pad(h % 24)}h`;
}

export const iecUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 512 B, 1.5 KiB, 256 MiB: binary multiples, one decimal below 10. `units` names them. */
export function formatBytes(bytes: number, units: readonly string[] = iecUnits): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${v} ${units[0]}`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 0.5, 2, 1.25: no trailing zeros. */
export function formatCpus(cpus: number): string {
  return String(Number(cpus.toFixed(2)));
}

/** The limits a job asked for that the server could not verify in its cgroup, by name. */
export function unenforcedLimits(enforced: Enforced | null): string[] {
  if (!enforced) return [];
  const names = [
    ['cpus', 'CPUs'],
    ['memory', 'memory'],
    ['ioWeight', 'IO weight'],
    ['pids', 'process limit'],
  ] as const;
  return names.filter(([k]) => !enforced[k]).map(([, name]) => name);
}


/** How a status reads at a glance, the same in every client: `ok` completed, `run` running, `wait`
 * pending, `warn` stopped on request (neither success nor failure), `bad` failed, killed, timed out,
 * lost or error. Clients map it to a colour; the status words carry the meaning without one. */
export type StatusTone = 'ok' | 'run' | 'wait' | 'warn' | 'bad';

export function statusTone(job: Pick<Job, 'status' | 'reason'>): StatusTone {
  switch (job.status) {
    case 'pending':
      return 'wait';
    case 'running':
      return 'run';
    case 'error':
      return 'bad';
    case 'exited':
      return job.reason === 'completed' ? 'ok' : job.reason === 'stopped' ? 'warn' : 'bad';
  }
}
