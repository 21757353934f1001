import { formatBytes, formatCpus, formatDuration, unenforcedLimits, type Job } from '#protocol';

// Pure presentation helpers: data in, strings out (STYLE.md 7). Nothing here knows about blessed.

export { formatBytes, formatCpus, formatDuration } from '#protocol';

export function formatMemoryMb(mb: number): string {
  return formatBytes(mb * 1024 * 1024);
}

/** `running`, `stopping…`, `exited (completed)`, `error: image nope not found`, `pending: pulling image 45%`. */
export function statusLabel(job: Pick<Job, 'status' | 'reason' | 'progress'>): string {
  switch (job.status) {
    case 'exited':
      return job.reason ? `exited (${job.reason})` : 'exited';
    case 'error':
      return job.reason ? `error: ${job.reason}` : 'error';
    case 'pending': {
      // "queued: position 2 of 15" is too long for the column: "queued 2/15" says the same.
      const queued = /^queued: position (\d+) of (\d+)$/.exec(job.progress ?? '');
      if (queued) return `queued ${queued[1]}/${queued[2]}`;
      return job.progress ? `pending: ${job.progress}` : 'pending';
    }
    case 'running':
      if (job.progress === 'stopping') return 'stopping…';
      return job.progress ? `running: ${job.progress}` : 'running';
  }
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

/** What a job runs, on one line: the shell command, or the argv with arguments quoted where needed. */
export function commandLine(job: Pick<Job, 'cmd' | 'argv'>): string {
  if (job.cmd !== null) return job.cmd.replace(/\s*\n\s*/g, ' ; ');
  return (job.argv ?? []).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
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

/** Word-wraps to lines of at most `width` columns; a word longer than a line is cut. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length <= w) {
      line += ` ${word}`;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    while (line.length > w) {
      lines.push(line.slice(0, w));
      line = line.slice(w);
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Contract v1.1 fields a server may already send (ports, the container's IP, proxied endpoints);
 * optional until the protocol's Job has them. */
export type JobWithNetwork = Job & { ports?: number[]; ip?: string | null; endpoints?: { port: number; path: string }[] };

const clock = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : undefined);

/** The job's whole spec and its times, one fact a line, for the job panel. */
export function specLines(job: JobWithNetwork, nowMs: number): string[] {
  const lines = [`$ ${commandLine(job)}`, `image ${job.image}`];
  const net = [`network ${job.network}`, ...(job.ip ? [`ip ${job.ip}`] : [])];
  lines.push(net.join(' · '));
  if (job.ports?.length) lines.push(`ports ${job.ports.join(', ')}`);
  for (const e of job.endpoints ?? []) lines.push(`→ ${e.port}: ${e.path}`);
  const env = Object.keys(job.env);
  if (env.length) lines.push(`env ${env.join(' ')}`);
  const created = clock(job.createdAt);
  if (created) lines.push(`created ${created} (${formatDuration(nowMs - Date.parse(job.createdAt))} ago)`);
  const started = clock(job.startedAt);
  if (started) lines.push(`started ${started}`);
  const finished = clock(job.finishedAt);
  if (finished) lines.push(`finished ${finished}`);
  return lines;
}

/** What the job's limits are, and which of them the host does not enforce (with why). */
export function limitsLines(job: Pick<Job, 'cpus' | 'memoryMb' | 'ioWeight' | 'pidsLimit' | 'timeoutSeconds' | 'enforced'>): string[] {
  const limits = [`${formatCpus(job.cpus)} CPU`, formatMemoryMb(job.memoryMb), `io ${job.ioWeight}`, `pids ${job.pidsLimit}`];
  if (job.timeoutSeconds > 0) limits.push(`timeout ${formatDuration(job.timeoutSeconds * 1000)}`);
  const lines = [`limits ${limits.join(' · ')}`];
  const e = job.enforced;
  if (!e) return lines;
  const missing = unenforcedLimits(e);
  lines.push(missing.length ? `not enforced: ${missing.join(', ')}` : 'all limits enforced');
  if (e.note) lines.push(e.note);
  return lines;
}

/** What the host has given to jobs, against what it has. */
export interface HostUse {
  cpus: number;
  memoryMb: number;
  capacity: { cpus: number; memoryMb: number };
}

/** `system.info`'s `allocated` (v1.1: every user's running and starting jobs); a server from before
 * v1.1 sends none, and the TUI then sums the limits of the pending and running jobs it knows, which
 * is what the server reserves for them, but only of the jobs this user may see. */
export function hostUse(info: { capacity: HostUse['capacity']; allocated?: { cpus: number; memoryMb: number } }, jobs: Iterable<Pick<Job, 'status' | 'cpus' | 'memoryMb'>>): HostUse {
  if (info.allocated) return { ...info.allocated, capacity: info.capacity };
  let cpus = 0;
  let memoryMb = 0;
  for (const j of jobs) {
    if (j.status !== 'pending' && j.status !== 'running') continue;
    cpus += j.cpus;
    memoryMb += j.memoryMb;
  }
  return { cpus, memoryMb, capacity: info.capacity };
}

/** `CPU 1.5/2 MEM 512 MiB/4.0 GiB` */
export function hostUseLabel(use: HostUse): string {
  return `CPU ${formatCpus(use.cpus)}/${formatCpus(use.capacity.cpus)} MEM ${formatMemoryMb(use.memoryMb)}/${formatMemoryMb(use.capacity.memoryMb)}`;
}
