// What the launcher, the reconciler and the timeouts share about the jobs they drive: one keyed queue
// (a job's changes never interleave, job.updated goes out in order), the server's stop intents, the
// jobs being removed, and the two ways a job changes: patch (store + announce) and applyState (what
// its container says).
import type { Job } from '../protocol/index.js';
import type { JobBus } from './job-bus.js';
import { activeStatuses, isFinal, notStarted, reconcilePatch, stoppingProgress, type StopIntent } from './job-state.js';
import { createJobTimeouts, type JobTimeouts } from './job-timeouts.js';
import { createKeyedQueue, type KeyedQueue } from './keyed-queue.js';
import { createOomWatch, type OomWatch } from './oom-watch.js';
import type { Clock, JobPatch, JobRuntime, JobStore, LogStore, Logger } from './ports.js';

/** The ports every part of the lifecycle works with. */
export interface LifecycleDeps {
  store: JobStore;
  runtime: JobRuntime;
  logs: LogStore;
  clock: Clock;
  logger: Logger;
  bus: JobBus;
}

export interface JobTrackerDeps extends LifecycleDeps {
  /** A job ended: its room is free for the queue. */
  released(): void;
}

export interface JobTrackerOptions {
  graceSeconds: number;
  drainWaitMs: number;
  oomWaitMs: number;
}

export interface JobTracker {
  queue: KeyedQueue;
  /** Why the server itself is ending a job; read when its exit is judged. */
  intents: Map<number, StopIntent>;
  /** Jobs whose container has died while their end is not stored yet (their log draining, the exit
   * being judged): their room is free already, so the queue need not wait for the record. */
  ending: Set<number>;
  timeouts: JobTimeouts;
  oom: OomWatch;
  /** The job is being removed: nothing may touch it any more. */
  forget(jobId: number): void;
  isForgotten(jobId: number): boolean;
  /** Stores the patch while the job is still active and announces the result. */
  patch(job: Job, p: JobPatch): Promise<Job>;
  /** A final job: once its log is complete, the runtime lets go of its container (JobRuntime.release),
   * in the background. Called on the job's final patch, and by the reconcile for a finished job whose
   * container is still there (a server stopped in between). */
  release(job: Job): void;
  /** Applies the container's state; waits for the log to drain first so that an exited job's log is
   * complete when clients see it. */
  applyState(job: Job): Promise<Job>;
}

export function createJobTracker(deps: JobTrackerDeps, options: JobTrackerOptions): JobTracker {
  const { store, runtime, logs, clock, logger, bus } = deps;
  const queue = createKeyedQueue();
  const intents = new Map<number, StopIntent>();
  const ending = new Set<number>();
  const forgotten = new Set<number>();
  const oom = createOomWatch(deps);
  // Jobs whose container is being released, so that a reconcile meanwhile does not release it twice.
  const releasing = new Set<number>();
  const timeouts = createJobTimeouts({ ...deps, queue, intents }, options);

  async function patch(job: Job, p: JobPatch): Promise<Job> {
    if (forgotten.has(job.id)) return job;
    const updated = await store.update(job.id, p, activeStatuses);
    if (!updated) return (await store.get(job.id)) ?? job;
    bus.updated(updated);
    if (isFinal(updated.status)) {
      timeouts.clear(updated.id);
      // A job whose container died has handed its room to the queue already (the die event).
      if (!ending.has(updated.id)) deps.released();
      release(updated);
    }
    return updated;
  }

  function release(job: Job): void {
    const containerId = job.containerId;
    if (!runtime.release || !containerId || !isFinal(job.status) || releasing.has(job.id)) return;
    const releaseContainer = runtime.release.bind(runtime);
    releasing.add(job.id);
    void (async () => {
      await logs.drained(job.id);
      // An incomplete log (its capture failed) still needs the container to resume from.
      if (forgotten.has(job.id) || !(await logs.complete(job.id))) return;
      await releaseContainer(containerId);
    })()
      .catch((err: unknown) => logger.warn({ err, jobId: job.id }, "releasing a finished job's container failed; the reconcile retries"))
      .finally(() => releasing.delete(job.id));
  }

  async function applyState(job: Job): Promise<Job> {
    if (isFinal(job.status) || !job.containerId || forgotten.has(job.id)) return job;
    const containerId = job.containerId;
    // The stored "stopping" is the stop intent that outlives a restart: the exit still reads stopped.
    if (job.progress === stoppingProgress && !intents.has(job.id)) intents.set(job.id, 'stopped');
    let state = await runtime.inspect(containerId);
    // After a restart an event can reach a job before the reconcile does: whoever gets here first
    // resumes its capture (from where the stored log ends), or the job would end with its log cut.
    if (state && state.status !== 'created') await logs.capture(job, containerId);
    if (state && !state.running && !notStarted(state)) {
      const waits = [logs.drained(job.id)];
      // A kill (137) may be the kernel's OOM killer: give Docker's oom event a moment to arrive.
      if (state.exitCode === 137 && !state.oomKilled && !intents.has(job.id)) waits.push(oom.wait(containerId, options.oomWaitMs));
      let cancelWait = () => {};
      await Promise.race([Promise.all(waits), new Promise<void>((r) => (cancelWait = clock.setTimer(options.drainWaitMs, r)))]);
      cancelWait();
      // `docker rm -f` shows up as a kill (die, 137) and then the container is gone: that is a lost
      // job, not a failed one. Looking again after the drain tells the two apart (only a 137 can be
      // one: every other exit came from the job itself).
      if (state.exitCode === 137) {
        const again = await runtime.inspect(containerId);
        if (again === null && !intents.has(job.id)) state = null;
        else if (again) state = again;
      }
    }
    if (state && oom.killed(containerId)) state = { ...state, oomKilled: true };
    const p = reconcilePatch(job, state, clock.now(), intents.get(job.id));
    if (!p) return job;
    const updated = await patch(job, p);
    if (updated.status === 'running') timeouts.schedule(updated);
    if (isFinal(updated.status)) intents.delete(job.id);
    return updated;
  }

  return {
    queue,
    intents,
    ending,
    timeouts,
    oom,
    forget(jobId) {
      forgotten.add(jobId);
      timeouts.clear(jobId);
      intents.delete(jobId);
    },
    isForgotten: (jobId) => forgotten.has(jobId),
    patch,
    applyState,
    release,
  };
}
