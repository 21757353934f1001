// Takes a pending job to running: pull (with throttled progress), create, capture, start. A stop or a
// removal that comes during the pull ends the job instead of creating a container. Only the queue
// (job-queue.ts) launches, once admission has made room for the job.
import type { Job } from '../protocol/index.js';
import { ContainerStartError, DockerUnavailableError, ImageUnavailableError } from './errors.js';
import { endedWithoutContainerPatch, errorPatch, startedPatch } from './job-state.js';
import type { JobTracker, LifecycleDeps } from './job-tracker.js';

export interface JobLauncherDeps extends LifecycleDeps {
  tracker: JobTracker;
}

export interface JobLauncher {
  /** Starts launching the job unless it already is; returns at once. */
  launch(job: Job): void;
  isLaunching(jobId: number): boolean;
  /** The jobs being launched now: they hold their room though the database shows no container yet. */
  launchingIds(): number[];
  /** Resolves once the job's launch (if any) has settled. */
  settled(jobId: number): Promise<void>;
  /** Lets launches in flight finish without creating anything new. */
  close(): Promise<void>;
}

export function createJobLauncher(deps: JobLauncherDeps, options: { progressIntervalMs: number }): JobLauncher {
  const { store, runtime, logs, clock, logger, tracker } = deps;
  const { queue, intents, patch } = tracker;
  const launching = new Map<number, Promise<void>>();
  let closed = false;

  async function run(initial: Job): Promise<void> {
    let job = initial;
    const stillWanted = () => !closed && !tracker.isForgotten(job.id) && !intents.has(job.id);
    try {
      let lastProgress = 0;
      await runtime.ensureImage(job.image, (progress) => {
        const now = clock.now().getTime();
        if (now - lastProgress < options.progressIntervalMs || !stillWanted()) return;
        lastProgress = now;
        void queue.run(job.id, async () => {
          if (stillWanted()) job = await patch(job, { progress });
        });
      });
      await queue.run(job.id, async () => {
        if (!stillWanted()) return endPendingIfStopped(job);
        job = await patch(job, { progress: 'creating container' });
        // Ended meanwhile (a kill of the queued job that raced its admission): make nothing.
        if (job.status !== 'pending') return;
        const containerId = await runtime.create(job);
        job = await patch(job, { containerId, progress: 'starting' });
        if (!stillWanted()) {
          await runtime.remove(containerId);
          return endPendingIfStopped(job);
        }
        // Attach before start so not a byte of output is missed.
        await logs.capture(job, containerId);
        const { enforced, state } = await runtime.start(containerId, job);
        job = await patch(job, startedPatch(state.startedAt ?? clock.now(), enforced, state.ip));
        if (job.status === 'running') tracker.timeouts.schedule(job);
        // A quick job may already be gone, and its die event lost (the event stream reconnecting;
        // the resync's reconcile skips jobs being launched): judge what start saw.
        if (!state.running) job = await tracker.applyState(job);
      });
    } catch (e) {
      await queue.run(job.id, async () => {
        if (tracker.isForgotten(job.id)) return;
        const message = launchFailure(e);
        logger.warn({ jobId: job.id, err: e }, `job failed to start: ${message}`);
        const current = (await store.get(job.id)) ?? job;
        if (current.containerId) await runtime.remove(current.containerId).catch(() => undefined);
        job = await patch(current, errorPatch(message, clock.now()));
      });
    }
  }

  async function endPendingIfStopped(job: Job): Promise<void> {
    if (intents.get(job.id) === 'stopped' && !tracker.isForgotten(job.id)) {
      intents.delete(job.id);
      await patch(job, endedWithoutContainerPatch('stopped', clock.now()));
    }
  }

  return {
    launch(job) {
      if (launching.has(job.id)) return;
      launching.set(job.id, run(job).finally(() => launching.delete(job.id)));
    },
    isLaunching: (jobId) => launching.has(jobId),
    launchingIds: () => [...launching.keys()],
    settled: async (jobId) => launching.get(jobId),
    async close() {
      closed = true;
      await Promise.allSettled([...launching.values()]);
    },
  };
}

function launchFailure(e: unknown): string {
  if (e instanceof ImageUnavailableError || e instanceof ContainerStartError) return e.message;
  if (e instanceof DockerUnavailableError) return 'Docker became unreachable while starting the job';
  return 'the job could not be started (internal error; see the server log)';
}
