// A container state that could not be stored (the database was down) is applied again every
// intervalMs until it sticks, so an exit is never lost to an outage.
import type { JobTracker } from './job-tracker.js';
import type { Clock, JobStore } from './ports.js';

export interface StateRetry {
  later(jobId: number): void;
  close(): void;
}

export function createStateRetry(deps: { store: JobStore; clock: Clock; tracker: JobTracker }, options: { intervalMs: number }): StateRetry {
  const { store, clock, tracker } = deps;
  const pending = new Set<number>();
  let cancel: (() => void) | null = null;
  let closed = false;

  function later(jobId: number) {
    pending.add(jobId);
    if (cancel || closed) return;
    cancel = clock.setTimer(options.intervalMs, () => {
      cancel = null;
      for (const id of [...pending]) {
        pending.delete(id);
        void tracker.queue
          .run(id, async () => {
            const job = await store.get(id);
            if (job) await tracker.applyState(job);
          })
          .catch(() => later(id));
      }
    });
  }

  return {
    later,
    close() {
      closed = true;
      cancel?.();
    },
  };
}
