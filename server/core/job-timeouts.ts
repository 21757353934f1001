// Wall-clock timeouts: a running job past its timeoutSeconds is stopped with the intent 'timed_out',
// so its exit reads as timed out rather than failed.
import type { Job } from '../protocol/index.js';
import { timeoutRemainingMs, type StopIntent } from './job-state.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { Clock, JobRuntime, JobStore, Logger } from './ports.js';

export interface JobTimeoutsDeps {
  store: JobStore;
  runtime: JobRuntime;
  clock: Clock;
  logger: Logger;
  queue: KeyedQueue;
  intents: Map<number, StopIntent>;
}

export interface JobTimeouts {
  /** Arms the job's timer (once; no-op without a timeout). */
  schedule(job: Job): void;
  clear(jobId: number): void;
  clearAll(): void;
}

export function createJobTimeouts(deps: JobTimeoutsDeps, options: { graceSeconds: number }): JobTimeouts {
  const { store, runtime, clock, logger, queue, intents } = deps;
  const timers = new Map<number, () => void>();

  function expire(job: Job) {
    timers.delete(job.id);
    void queue
      .run(job.id, async () => {
        const current = await store.get(job.id);
        if (!current || current.status !== 'running' || !current.containerId) return null;
        intents.set(job.id, 'timed_out');
        logger.info({ jobId: job.id, timeoutSeconds: job.timeoutSeconds }, 'job timed out; stopping');
        return current.containerId;
      })
      // Outside the job's queue: a kill or a user's stop meanwhile must not wait out the grace.
      .then((containerId) => (containerId === null ? undefined : runtime.stop(containerId, options.graceSeconds)))
      .catch((e) => logger.warn({ err: e, jobId: job.id }, 'timeout stop failed'));
  }

  function clear(jobId: number) {
    timers.get(jobId)?.();
    timers.delete(jobId);
  }

  return {
    schedule(job) {
      const left = timeoutRemainingMs(job, clock.now());
      if (left === null || timers.has(job.id)) return;
      timers.set(job.id, clock.setTimer(left, () => expire(job)));
    },
    clear,
    clearAll: () => [...timers.keys()].forEach(clear),
  };
}
