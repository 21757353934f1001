// Stop and kill. A stop answers at once: the job is stored as stopping (`progress: "stopping"`, which
// is also the stop's durable intent, see job-tracker.ts) and Docker's stop runs in the background;
// the final state follows as job.updated. A kill sends SIGKILL now and is the way out of a slow stop.
// A job with no container yet (queued or pulling) ends exited/stopped at once either way.
import type { Job } from '../protocol/index.js';
import type { JobLauncher } from './job-launcher.js';
import { endedWithoutContainerPatch, isFinal, stoppingProgress } from './job-state.js';
import type { JobTracker, LifecycleDeps } from './job-tracker.js';

export interface JobStopperDeps extends LifecycleDeps {
  tracker: JobTracker;
  launcher: JobLauncher;
}

export interface JobStopper {
  /** Answers with the job as stopping (or final); a second stop of a stopping job starts nothing. */
  stop(job: Job, timeoutSeconds: number): Promise<Job>;
  /** SIGKILL now; answers with the job as stored after the kill. */
  kill(job: Job): Promise<Job>;
  /** A stopping job whose stop is not under way here (the server restarted mid-stop): stop it again,
   * with the grace period. Called inside the job's queue. */
  resume(job: Job): void;
  close(): void;
}

export function createJobStopper(deps: JobStopperDeps, options: { graceSeconds: number }): JobStopper {
  const { store, runtime, clock, logger, tracker, launcher } = deps;
  const { queue, intents, patch } = tracker;
  /** Jobs with a stop under way here: from the ask until Docker's stop returns. */
  const stopping = new Set<number>();
  let closed = false;

  /** Ends a job that has no container; a launch under way sees the intent and creates none. */
  async function endWithoutContainer(job: Job): Promise<Job> {
    if (!launcher.isLaunching(job.id)) intents.delete(job.id);
    return patch(job, endedWithoutContainerPatch('stopped', clock.now()));
  }

  function stopInBackground(job: Job, containerId: string, timeoutSeconds: number) {
    runtime
      .stop(containerId, timeoutSeconds)
      .then(
        // The die event does the same; this covers an event lost to a reconnect.
        () => (closed ? undefined : queue.run(job.id, async () => tracker.applyState((await store.get(job.id)) ?? job))),
        (err: unknown) => {
          logger.warn({ err, jobId: job.id }, 'stop failed; the job is no longer shown as stopping');
          if (closed) return;
          // Not stopping any more: a later stop must be able to try again.
          return queue.run(job.id, async () => {
            const current = await store.get(job.id);
            if (!current || isFinal(current.status)) return;
            intents.delete(job.id);
            await patch(current, { progress: null });
          });
        },
      )
      .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'applying the state after a stop failed'))
      .finally(() => stopping.delete(job.id));
  }

  return {
    async stop(job, timeoutSeconds) {
      if (isFinal(job.status)) return job;
      // Asked twice: the answer waits for the first one's, then shows the job as it is.
      if (stopping.has(job.id)) return queue.run(job.id, async () => (await store.get(job.id)) ?? job);
      stopping.add(job.id);
      // Set at once, outside the queue: a launch between create and start then removes its container
      // instead of starting it. A timeout's stop under way keeps reading timed_out.
      const own = !intents.has(job.id);
      if (own) intents.set(job.id, 'stopped');
      let background = false;
      try {
        return await queue.run(job.id, async () => {
          const current = (await store.get(job.id)) ?? job;
          if (isFinal(current.status)) {
            intents.delete(job.id);
            return current;
          }
          if (!current.containerId) return endWithoutContainer(current);
          try {
            // Docker unreachable answers 5003 now rather than a stopping job that never stops.
            await runtime.ping();
          } catch (e) {
            if (own) intents.delete(job.id);
            throw e;
          }
          const marked = await patch(current, { progress: stoppingProgress });
          stopInBackground(current, current.containerId, timeoutSeconds);
          background = true;
          return marked;
        });
      } finally {
        if (!background) stopping.delete(job.id);
      }
    },

    kill(job) {
      if (isFinal(job.status)) return Promise.resolve(job);
      return queue.run(job.id, async () => {
        const current = (await store.get(job.id)) ?? job;
        if (isFinal(current.status)) return current;
        // A kill during a timeout's stop keeps reading timed_out.
        const own = !intents.has(job.id);
        if (own) intents.set(job.id, 'stopped');
        if (!current.containerId) return endWithoutContainer(current);
        try {
          await runtime.kill(current.containerId);
        } catch (e) {
          if (own) intents.delete(job.id);
          throw e;
        }
        const marked = current.progress === stoppingProgress ? current : await patch(current, { progress: stoppingProgress });
        // Usually already exited: then the answer is the final state.
        return tracker.applyState(marked);
      });
    },

    resume(job) {
      if (stopping.has(job.id) || closed || !job.containerId) return;
      logger.info({ jobId: job.id }, 'finishing a stop the server was restarted during');
      stopping.add(job.id);
      stopInBackground(job, job.containerId, options.graceSeconds);
    },

    close() {
      closed = true;
    },
  };
}
