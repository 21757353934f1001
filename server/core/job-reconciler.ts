// Keeps records and containers in agreement: applies Docker's events as they come, and a full
// reconcile at start, after every event-stream reconnect and periodically catches whatever they
// missed (vanished containers, strays without a record, jobs interrupted mid-launch).
import type { Job } from '../protocol/index.js';
import type { JobLauncher } from './job-launcher.js';
import type { JobQueue } from './job-queue.js';
import { activeStatuses, isFinal, stoppingProgress } from './job-state.js';
import type { JobStopper } from './job-stopper.js';
import type { JobTracker, LifecycleDeps } from './job-tracker.js';
import type { RuntimeEvent } from './ports.js';
import type { StateRetry } from './state-retry.js';

export interface JobReconcilerDeps extends LifecycleDeps {
  tracker: JobTracker;
  launcher: JobLauncher;
  stopper: JobStopper;
  retry: StateRetry;
  jobQueue: JobQueue;
}

export interface JobReconciler {
  handleEvent(event: RuntimeEvent): void;
  /** A full reconcile; the first also arms the periodic one. */
  reconcile(): Promise<void>;
  reconcileJob(job: Job): Promise<void>;
  close(): void;
}

export function createJobReconciler(deps: JobReconcilerDeps, options: { intervalMs: number }): JobReconciler {
  const { store, runtime, logs, clock, logger, tracker, launcher, stopper, retry, jobQueue } = deps;
  let closed = false;
  let cancelPeriodic: (() => void) | null = null;
  // One reconcile at a time; a request during one runs once more after it (events may have been missed).
  let running: Promise<void> | null = null;
  let again = false;
  // The first reconcile that gets through also finishes captures a kill cut short: an exit waits only
  // drainWaitMs for its log, so a job can be final while its output is still being read.
  let finishedResumed = false;

  function reconcile(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reconcileOnce();
      } while (again && !closed);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  function schedulePeriodic() {
    if (closed) return;
    cancelPeriodic = clock.setTimer(options.intervalMs, () => {
      void reconcile()
        .catch((e) => logger.warn({ err: e }, 'periodic reconcile failed'))
        .finally(schedulePeriodic);
    });
  }

  async function reconcileOnce(): Promise<void> {
    const [containers, active] = await Promise.all([runtime.listManaged(), store.listActive()]);
    const known = new Map<string, Job>();
    for (const job of active) if (job.containerId) known.set(job.containerId, job);

    for (const c of containers) {
      if (known.has(c.containerId)) continue;
      const job = c.jobId === null ? null : await store.get(c.jobId);
      if (job && job.containerId === c.containerId) {
        // A finished job's container, kept until removed (or released); a complete log makes this a no-op.
        if (!finishedResumed && !tracker.isForgotten(job.id)) await logs.capture(job, c.containerId);
        tracker.release(job);
        continue;
      }
      if (job && launcher.isLaunching(job.id)) continue; // being created right now
      logger.warn({ containerId: c.containerId, jobId: c.jobId }, 'removing a cjm container that has no record');
      await runtime.remove(c.containerId);
    }

    for (const job of active) await reconcileJob(job);
    finishedResumed = true;
    await runtime.pruneNetworks();
    await jobQueue.schedule();
  }

  /** One active job against its container: left to admission when it has none (queued), started
   * over when it was interrupted between create and start, else its container's state applied. */
  async function reconcileJob(job: Job): Promise<void> {
    if (launcher.isLaunching(job.id) || (job.status === 'pending' && !job.containerId)) return;
    await tracker.queue.run(job.id, async () => {
      const current = await store.get(job.id);
      if (!current || isFinal(current.status) || !current.containerId) return;
      const state = await runtime.inspect(current.containerId);
      if (state?.status === 'created') {
        // Interrupted between create and start: start over cleanly, queued again in its place.
        await runtime.remove(current.containerId);
        await store.update(current.id, { containerId: null, progress: null }, activeStatuses);
        return;
      }
      const after = await tracker.applyState(current);
      // Still stopping with no stop under way: the server was restarted mid-stop.
      if (after.status === 'running' && after.progress === stoppingProgress) stopper.resume(after);
    });
  }

  function handleEvent(event: RuntimeEvent) {
    if (closed) return;
    if (event.type === 'resync') {
      void reconcile().catch((e) => logger.warn({ err: e }, 'reconcile after Docker reconnect failed'));
      return;
    }
    if (event.jobId === null) return;
    const jobId = event.jobId;
    if (event.type === 'oom') {
      // Only recorded: the exit that follows sets the reason.
      tracker.oom.seen(event.containerId, jobId);
      return;
    }
    // The launcher judges the starts it makes; a start it is not waiting for (a job the runtime held
    // for room) is applied like any other change.
    if (event.type === 'start' && launcher.isLaunching(jobId)) return;
    // A dead container holds no room: the next queued job may start while this one's end is judged
    // and stored (its log drained first), as a raw `docker wait` loop starts the next at once.
    const died = event.type === 'die' && !tracker.ending.has(jobId);
    if (died) {
      tracker.ending.add(jobId);
      void jobQueue.schedule();
    }
    void tracker.queue
      .run(jobId, async () => {
        const job = await store.get(jobId);
        if (!job || job.containerId !== event.containerId) return;
        // Already stored as running (the launch judged its start): nothing for this start to change.
        if (event.type === 'start' && job.status === 'running') return;
        await tracker.applyState(job);
      })
      .catch((e) => {
        logger.warn({ err: e, jobId }, `handling Docker ${event.type} event failed; retrying`);
        retry.later(jobId);
      })
      // Stored final by now, or not (a failure, left to the retry): either way the record says.
      .finally(() => {
        if (died) tracker.ending.delete(jobId);
      });
    if (event.type === 'destroy') tracker.oom.forget(event.containerId);
  }

  return {
    handleEvent,
    reconcileJob,
    async reconcile() {
      await reconcile();
      if (!cancelPeriodic) schedulePeriodic();
    },
    close() {
      closed = true;
      cancelPeriodic?.();
    },
  };
}
