// Drives jobs through their lifecycle against the runtime. The parts share one tracker (keyed queue,
// intents, patch, applyState): job-queue.ts (admission: which queued job starts when),
// job-launcher.ts (pull, create, capture, start), job-stopper.ts (stop, kill), job-reconciler.ts
// (Docker events, full reconciles), job-timeouts.ts, state-retry.ts (database outages) and
// oom-watch.ts. This file wires them and adds refresh and forget.
import type { Job } from '../protocol/index.js';
import type { Resources } from './admission.js';
import { createJobLauncher } from './job-launcher.js';
import { createJobQueue, type QueueState } from './job-queue.js';
import { createJobReconciler } from './job-reconciler.js';
import { isFinal } from './job-state.js';
import { createJobStopper } from './job-stopper.js';
import { createJobTracker, type LifecycleDeps } from './job-tracker.js';
import type { RuntimeEvent } from './ports.js';
import { createStateRetry } from './state-retry.js';

export interface AdmissionDeps {
  /** What admission shares out: CJM_CAPACITY_* or the host's size. */
  capacity(): Promise<Resources>;
}

export interface LifecycleOptions {
  /** How long a job that does not fit lets smaller ones start past it (CJM_QUEUE_BACKFILL_SECONDS, default
   * 60 s; admission.ts). */
  backfillWaitMs?: number;
  /** Grace between SIGTERM and SIGKILL when a job hits its wall-clock timeout, or when a stop is
   * finished after a restart. */
  timeoutGraceSeconds?: number;
  /** How long an exit waits for the log capture to drain before the job is marked exited. */
  drainWaitMs?: number;
  /** Minimum time between two progress updates of a pull. */
  progressIntervalMs?: number;
  /** How long an exit with code 137 waits for Docker's oom event before it counts as a plain kill. */
  oomWaitMs?: number;
  /** How often a job whose exit or launch outcome could not be stored (database down) is tried again. */
  retryIntervalMs?: number;
  /** A full reconcile this often catches whatever events and retries missed. */
  reconcileIntervalMs?: number;
  /** Least time between admission passes asked for during one (job-queue.ts); default 0. */
  queuePassGapMs?: number;
}

export interface Lifecycle {
  /** Admits queued jobs that fit (new ones included); resolves once that pass is over. */
  schedule(): Promise<void>;
  /** The job as clients see it: a queued job's progress says its place in the queue. */
  present(job: Job): Job;
  /** Allocated and queued, as of the last admission. */
  queueState(): QueueState;
  /** Answers at once with the job stopping (or final); the final state follows as job.updated. */
  stop(job: Job, timeoutSeconds: number): Promise<Job>;
  /** SIGKILL now. */
  kill(job: Job): Promise<Job>;
  /** Re-reads one job's container and applies what it says. */
  refresh(job: Job): Promise<Job>;
  /** Cancels everything for a job about to be removed; returns once nothing touches it any more. */
  forget(job: Job): Promise<void>;
  handleEvent(event: RuntimeEvent): void;
  /** A full reconcile; the first also arms the periodic one. */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

export function createLifecycle(deps: LifecycleDeps & AdmissionDeps, options: LifecycleOptions = {}): Lifecycle {
  const { store } = deps;
  const graceSeconds = options.timeoutGraceSeconds ?? 2;
  const retryIntervalMs = options.retryIntervalMs ?? 2000;
  // The queue needs the launcher, which needs the tracker: a job's end reaches the queue through this.
  const released = () => void jobQueue.schedule();
  const tracker = createJobTracker({ ...deps, released }, {
    graceSeconds,
    drainWaitMs: options.drainWaitMs ?? 5000,
    oomWaitMs: options.oomWaitMs ?? 1000,
  });
  const { queue } = tracker;
  // The launcher and the retry call parts made after them; the calls come only once jobs run.
  const launcher = createJobLauncher(
    { ...deps, tracker, retryLater: (jobId, outcome) => retry.later(jobId, outcome) },
    { progressIntervalMs: options.progressIntervalMs ?? 500 },
  );
  const stopper = createJobStopper({ ...deps, tracker, launcher }, { graceSeconds });
  // A job the retry settles afresh is reconciled, and if that leaves it queued, admission sees it.
  const retry = createStateRetry(
    {
      ...deps,
      tracker,
      reconcileJob: async (job) => {
        await reconciler.reconcileJob(job);
        await jobQueue.schedule();
      },
    },
    { intervalMs: retryIntervalMs },
  );
  const jobQueue = createJobQueue({ ...deps, tracker, launcher }, {
    backfillWaitMs: options.backfillWaitMs ?? 60_000,
    retryIntervalMs,
    passGapMs: options.queuePassGapMs ?? 0,
  });
  const reconciler = createJobReconciler({ ...deps, tracker, launcher, stopper, retry, jobQueue }, { intervalMs: options.reconcileIntervalMs ?? 60_000 });

  /** A queued job that was stopped answers once the positions behind it have moved up. */
  async function leftQueue(job: Job): Promise<Job> {
    if (isFinal(job.status) && !job.containerId) await jobQueue.schedule();
    return job;
  }

  return {
    schedule: jobQueue.schedule,
    present: jobQueue.present,
    queueState: jobQueue.state,
    stop: async (job, timeoutSeconds) => leftQueue(await stopper.stop(job, timeoutSeconds)),
    kill: async (job) => leftQueue(await stopper.kill(job)),
    refresh: (job) => queue.run(job.id, async () => tracker.applyState((await store.get(job.id)) ?? job)),
    async forget(job) {
      tracker.forget(job.id);
      await launcher.settled(job.id);
      await queue.run(job.id, async () => undefined);
    },
    handleEvent: reconciler.handleEvent,
    reconcile: reconciler.reconcile,
    async close() {
      retry.close();
      jobQueue.close();
      reconciler.close();
      stopper.close();
      tracker.timeouts.clearAll();
      await launcher.close();
      await queue.idle();
    },
  };
}
