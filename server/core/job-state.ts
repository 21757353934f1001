// The job lifecycle as pure functions: pending -> running -> exited | error (and pending -> exited |
// error directly). Final states never change. The I/O that applies them lives in job-tracker.ts and the
// lifecycle parts around it (see job-lifecycle.ts).
import type { ExitReason, Job, JobStatus } from '../protocol/index.js';
import type { ContainerState, JobPatch } from './ports.js';

export const activeStatuses: readonly JobStatus[] = ['pending', 'running'];

/** The runtime has not run the job's container yet: created, or accepted and waiting for room. */
export function notStarted(state: Pick<ContainerState, 'status'>): boolean {
  return state.status === 'created' || state.status === 'pending';
}

export function isFinal(status: JobStatus): boolean {
  return status === 'exited' || status === 'error';
}

/** Why the server itself ended a container; wins over the exit code (a stopped job exits 137/143). */
export type StopIntent = 'stopped' | 'timed_out';

/** A running job's progress from the moment a stop or kill is asked until it is final. */
export const stoppingProgress = 'stopping';

export function exitReasonOf(state: Pick<ContainerState, 'exitCode' | 'oomKilled'>, intent?: StopIntent): ExitReason {
  // OOM first: a job killed by the kernel was not stopped by the user, even if a stop was racing.
  if (state.oomKilled) return 'oom_killed';
  if (intent) return intent;
  return state.exitCode === 0 ? 'completed' : 'failed';
}

/** `ip` when the caller knows the container's address (from the inspect that saw it running). */
export function startedPatch(at: Date, enforced: Job['enforced'], ip?: string | null): JobPatch {
  return { status: 'running', startedAt: at, enforced, progress: null, reason: null, ...(ip === undefined ? {} : { ip }) };
}

/** The patch for a container that is no longer running. */
export function exitedPatch(job: Pick<Job, 'startedAt'>, state: ContainerState, now: Date, intent?: StopIntent): JobPatch {
  const finishedAt = state.finishedAt && state.finishedAt.getTime() > 0 ? state.finishedAt : now;
  const patch: JobPatch = {
    status: 'exited',
    reason: exitReasonOf(state, intent),
    exitCode: state.exitCode,
    finishedAt,
    progress: null,
    ip: null,
  };
  if (!job.startedAt && state.startedAt && state.startedAt.getTime() > 0) patch.startedAt = state.startedAt;
  return patch;
}

/** A job that ended without its container running: stopped while pending, or its container vanished. */
export function endedWithoutContainerPatch(reason: Extract<ExitReason, 'stopped' | 'lost'>, now: Date): JobPatch {
  return { status: 'exited', reason, finishedAt: now, progress: null, ip: null };
}

/** A job's error when the runtime refused to run it, whether start() or a later look saw that. */
export function rejectedReason(image: string, error: string | null): string {
  return `the runtime rejected the task of image ${image}: ${error ?? 'no reason given'}`;
}

export function errorPatch(message: string, now: Date): JobPatch {
  return { status: 'error', reason: message, finishedAt: now, progress: null, ip: null };
}

/** Milliseconds left before a running job's wall-clock timeout; null when it has none. */
export function timeoutRemainingMs(job: Pick<Job, 'timeoutSeconds' | 'startedAt'>, now: Date): number | null {
  if (!job.timeoutSeconds || !job.startedAt) return null;
  const deadline = Date.parse(job.startedAt) + job.timeoutSeconds * 1000;
  return Math.max(0, deadline - now.getTime());
}

/** What a container's state says a job should become, or null when nothing changes. */
export function reconcilePatch(job: Job, state: ContainerState | null, now: Date, intent?: StopIntent): JobPatch | null {
  if (isFinal(job.status)) return null;
  // 'removing': someone ran `docker rm -f`; the kill it does first is not the job's own exit.
  if (state === null || (state.status === 'removing' && !intent)) return endedWithoutContainerPatch('lost', now);
  if (state.running) {
    // The address is what Docker says now: the proxy must never dial a stale one.
    if (job.status === 'running') return job.ip === state.ip ? null : { ip: state.ip };
    return startedPatch(state.startedAt ?? now, state.enforced ?? job.enforced, state.ip);
  }
  // 'created' means it never started: only the launcher may move it on.
  if (state.status === 'created') return null;
  if (state.status === 'pending') return job.progress === (state.progress ?? null) ? null : { progress: state.progress ?? null };
  // The runtime refused to run it (swarm rejected its task): an error, with the runtime's reason.
  if (state.status === 'rejected') return errorPatch(rejectedReason(job.image, state.error), now);
  return exitedPatch(job, state, now, intent);
}
