// Takes a pending job to running: pull (with throttled progress), create, capture, start. A stop or a
// removal that comes during the pull ends the job instead of creating a container. Only the queue
// (job-queue.ts) launches, once admission has made room for the job. An outcome the database would
// not take (it went down mid-launch) is handed to the state retry, never thrown.
import type { Job } from '../protocol/index.js';
import { ContainerStartError, DatabaseUnavailableError, DockerUnavailableError, ImageUnavailableError } from './errors.js';
import { endedWithoutContainerPatch, errorPatch, startedPatch } from './job-state.js';
import type { JobTracker, LifecycleDeps } from './job-tracker.js';
import type { JobPatch } from './ports.js';
import { together } from './together.js';

export interface JobLauncherDeps extends LifecycleDeps {
  tracker: JobTracker;
  /** Settles the job once the database is back, storing `outcome` first when given (state-retry.ts). */
  retryLater(jobId: number, outcome?: JobPatch): void;
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
  const { store, runtime, logs, clock, logger, tracker, retryLater } = deps;
  const { queue, intents, patch } = tracker;
  const launching = new Map<number, Promise<void>>();
  let closed = false;

  async function run(initial: Job): Promise<void> {
    let job = initial;
    // A container created but not yet named in the record: no one else knows it, so it is ours to remove.
    let unrecorded = null as string | null;
    // What start saw, kept until it is stored.
    let started = null as JobPatch | null;
    const stillWanted = () => !closed && !tracker.isForgotten(job.id) && !intents.has(job.id);
    try {
      let lastProgress = 0;
      await runtime.ensureImage(job.image, (progress) => {
        const now = clock.now().getTime();
        if (now - lastProgress < options.progressIntervalMs || !stillWanted()) return;
        lastProgress = now;
        queue
          .run(job.id, async () => {
            if (stillWanted()) job = await patch(job, { progress });
          })
          // Progress is only shown; the next one or the launch's own steps store the truth.
          .catch((e: unknown) => logger.warn({ jobId: job.id, err: e }, 'pull progress could not be stored'));
      });
      await queue.run(job.id, async () => {
        if (!stillWanted()) return endPendingIfStopped(job);
        // The database writes overlap Docker's work (create -> running is the figure users feel).
        const creating = runtime.create(job, (progress) => patch(job, { progress })).then((id) => (unrecorded = id));
        const [creatingJob, containerId] = await together(patch(job, { progress: 'creating container' }), creating);
        // Ended meanwhile (a kill of the queued job that raced its admission): keep nothing.
        if (creatingJob.status !== 'pending') {
          await runtime.remove(containerId);
          unrecorded = null;
          job = creatingJob;
          return;
        }
        // Attach before start so not a byte of output is missed; the record names the container
        // before it starts, so that a restart finds it.
        const [recorded] = await together(patch(creatingJob, { containerId, progress: 'starting' }), logs.capture(creatingJob, containerId, { created: true }));
        job = recorded;
        unrecorded = null;
        if (!stillWanted()) {
          await runtime.remove(containerId);
          return endPendingIfStopped(job);
        }
        const { enforced, state } = await runtime.start(containerId, job);
        // Accepted but waiting for room (swarm): its start arrives as an event.
        if (state.status === 'pending') {
          job = await patch(job, { enforced, progress: state.progress ?? 'waiting for room' });
          return;
        }
        started = startedPatch(state.startedAt ?? clock.now(), enforced, state.ip);
        job = await patch(job, started);
        started = null;
        if (job.status === 'running') tracker.timeouts.schedule(job);
        // A quick job may already be gone, and its die event lost (the event stream reconnecting;
        // the resync's reconcile skips jobs being launched): judge what start saw.
        if (!state.running) job = await tracker.applyState(job);
      });
    } catch (e) {
      if (e instanceof DatabaseUnavailableError) return unstored(job.id, e, started ?? undefined);
      const message = launchFailure(e);
      logger.warn({ jobId: job.id, err: e }, `job failed to start: ${message}`);
      const failed = errorPatch(message, clock.now());
      try {
        await queue.run(job.id, async () => {
          if (tracker.isForgotten(job.id)) return;
          const current = (await store.get(job.id)) ?? job;
          const containerId = current.containerId ?? unrecorded;
          if (containerId) await runtime.remove(containerId).catch(() => undefined);
          unrecorded = null;
          job = await patch(current, failed);
        });
      } catch (storeErr) {
        await unstored(job.id, storeErr, failed);
      }
    }

    /** The launch could not store a step: the job is settled by the retry once the database is back.
     * With no outcome the retry judges it afresh (launched again, or its container's state applied). */
    async function unstored(jobId: number, err: unknown, outcome?: JobPatch): Promise<void> {
      logger.warn({ jobId, err }, 'the launch could not store its outcome (database down?); settling the job once it is back');
      if (unrecorded) await runtime.remove(unrecorded).catch((e: unknown) => logger.warn({ jobId, err: e }, 'removing an unrecorded container failed'));
      retryLater(jobId, outcome);
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
      const launched = run(job)
        // run settles every failure it knows; anything else is a bug, logged and left to the retry.
        .catch((e: unknown) => {
          logger.error({ jobId: job.id, err: e }, 'the launch failed unexpectedly');
          retryLater(job.id);
        })
        .finally(() => launching.delete(job.id));
      launching.set(job.id, launched);
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
