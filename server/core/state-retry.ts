// A job whose state could not be stored (the database was down) is settled again every intervalMs
// until it sticks, so neither an exit nor a launch's outcome is lost to an outage: the outcome the
// launcher saw is stored first, then the job is reconciled as a full reconcile would (its container's
// state applied, or launched again when it never got one).
import type { Job } from '../protocol/index.js';
import type { JobTracker } from './job-tracker.js';
import type { Clock, JobPatch, JobStore } from './ports.js';

export interface StateRetry {
  /** `outcome`, when given, is stored (while the job is active) before the job is reconciled. */
  later(jobId: number, outcome?: JobPatch): void;
  close(): void;
}

export interface StateRetryDeps {
  store: JobStore;
  clock: Clock;
  tracker: JobTracker;
  /** The full reconcile's step for one job (job-reconciler.ts). */
  reconcileJob(job: Job): Promise<void>;
}

export function createStateRetry(deps: StateRetryDeps, options: { intervalMs: number }): StateRetry {
  const { store, clock, tracker, reconcileJob } = deps;
  const pending = new Map<number, JobPatch | undefined>();
  let cancel: (() => void) | null = null;
  let closed = false;

  function later(jobId: number, outcome?: JobPatch) {
    pending.set(jobId, outcome ?? pending.get(jobId));
    if (cancel || closed) return;
    cancel = clock.setTimer(options.intervalMs, () => {
      cancel = null;
      for (const [id, outcome] of [...pending]) {
        pending.delete(id);
        void settle(id, outcome);
      }
    });
  }

  /** Never rejects: a failure is retried. */
  async function settle(id: number, outcome: JobPatch | undefined): Promise<void> {
    let stored = outcome === undefined;
    try {
      if (outcome) {
        await tracker.queue.run(id, async () => {
          const job = await store.get(id);
          const updated = job && (await tracker.patch(job, outcome));
          // The launcher arms a started job's timeout after its patch sticks; here that is now.
          if (updated?.status === 'running') tracker.timeouts.schedule(updated);
        });
        stored = true;
      }
      const job = await store.get(id);
      if (job) await reconcileJob(job);
    } catch {
      later(id, stored ? undefined : outcome);
    }
  }

  return {
    later,
    close() {
      closed = true;
      cancel?.();
    },
  };
}
