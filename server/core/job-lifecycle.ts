// Drives jobs through their lifecycle against Docker: launch (pull, create, capture, start), timeouts,
// stops, Docker events and reconciliation. Every change of one job runs through the keyed queue, so
// transitions never interleave and job.updated goes out in order.
import type { Job } from '../protocol/index.js';
import { ContainerStartError, DockerUnavailableError, ImageUnavailableError } from './errors.js';
import {
  activeStatuses,
  endedWithoutContainerPatch,
  errorPatch,
  isFinal,
  reconcilePatch,
  startedPatch,
  timeoutRemainingMs,
  type StopIntent,
} from './job-state.js';
import type { JobBus } from './job-bus.js';
import { createKeyedQueue } from './keyed-queue.js';
import type { Clock, JobPatch, JobRuntime, JobStore, LogStore, Logger, RuntimeEvent } from './ports.js';

export interface LifecycleDeps {
  store: JobStore;
  runtime: JobRuntime;
  logs: LogStore;
  clock: Clock;
  logger: Logger;
  bus: JobBus;
}

export interface LifecycleOptions {
  /** Grace between SIGTERM and SIGKILL when a job hits its wall-clock timeout. */
  timeoutGraceSeconds?: number;
  /** How long an exit waits for the log capture to drain before the job is marked exited. */
  drainWaitMs?: number;
  /** Minimum time between two progress updates of a pull. */
  progressIntervalMs?: number;
  /** How long an exit with code 137 waits for Docker's oom event before it counts as a plain kill. */
  oomWaitMs?: number;
  /** How often a job whose exit could not be stored (database down) is tried again. */
  retryIntervalMs?: number;
  /** A full reconcile this often catches whatever events and retries missed. */
  reconcileIntervalMs?: number;
}

export interface Lifecycle {
  launch(job: Job): void;
  stop(job: Job, timeoutSeconds: number): Promise<Job>;
  /** Re-reads one job's container and applies what it says. */
  refresh(job: Job): Promise<Job>;
  /** Cancels everything for a job about to be removed; returns once nothing touches it any more. */
  forget(job: Job): Promise<void>;
  handleEvent(event: RuntimeEvent): void;
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

export function createLifecycle(deps: LifecycleDeps, options: LifecycleOptions = {}): Lifecycle {
  const { store, runtime, logs, clock, logger, bus } = deps;
  const graceSeconds = options.timeoutGraceSeconds ?? 2;
  const drainWaitMs = options.drainWaitMs ?? 5000;
  const progressIntervalMs = options.progressIntervalMs ?? 500;
  const oomWaitMs = options.oomWaitMs ?? 1000;
  const retryIntervalMs = options.retryIntervalMs ?? 2000;
  const reconcileIntervalMs = options.reconcileIntervalMs ?? 60_000;

  const queue = createKeyedQueue();
  const intents = new Map<number, StopIntent>();
  const timers = new Map<number, () => void>();
  const launching = new Map<number, Promise<void>>();
  const forgotten = new Set<number>();
  const oomSeen = new Set<string>();
  const oomWaiters = createOomWaiters(oomSeen);
  const retry = new Set<number>();
  let cancelRetry: (() => void) | null = null;
  let closed = false;

  // A change that could not be stored (the database was down) is applied again until it sticks.
  function retryLater(jobId: number) {
    retry.add(jobId);
    if (cancelRetry || closed) return;
    cancelRetry = clock.setTimer(retryIntervalMs, () => {
      cancelRetry = null;
      for (const id of [...retry]) {
        retry.delete(id);
        void queue
          .run(id, async () => {
            const job = await store.get(id);
            if (job) await applyState(job);
          })
          .catch(() => retryLater(id));
      }
    });
  }

  let cancelPeriodic: (() => void) | null = null;
  function schedulePeriodicReconcile() {
    if (closed) return;
    cancelPeriodic = clock.setTimer(reconcileIntervalMs, () => {
      void reconcile()
        .catch((e) => logger.warn({ err: e }, 'periodic reconcile failed'))
        .finally(schedulePeriodicReconcile);
    });
  }

  async function patch(job: Job, p: JobPatch): Promise<Job> {
    if (forgotten.has(job.id)) return job;
    const updated = await store.update(job.id, p, activeStatuses);
    if (!updated) return (await store.get(job.id)) ?? job;
    bus.updated(updated);
    if (isFinal(updated.status)) clearTimer(updated.id);
    return updated;
  }

  function clearTimer(id: number) {
    timers.get(id)?.();
    timers.delete(id);
  }

  function scheduleTimeout(job: Job) {
    const left = timeoutRemainingMs(job, clock.now());
    if (left === null || timers.has(job.id)) return;
    timers.set(
      job.id,
      clock.setTimer(left, () => {
        timers.delete(job.id);
        void queue.run(job.id, async () => {
          const current = await store.get(job.id);
          if (!current || current.status !== 'running' || !current.containerId) return;
          intents.set(job.id, 'timed_out');
          logger.info({ jobId: job.id, timeoutSeconds: job.timeoutSeconds }, 'job timed out; stopping');
          await runtime.stop(current.containerId, graceSeconds);
        }).catch((e) => logger.warn({ err: e, jobId: job.id }, 'timeout stop failed'));
      }),
    );
  }

  /** Applies the container's state; waits for the log to drain first so that an exited job's log is
   * complete when clients see it. */
  async function applyState(job: Job): Promise<Job> {
    if (isFinal(job.status) || !job.containerId || forgotten.has(job.id)) return job;
    const containerId = job.containerId;
    let state = await runtime.inspect(containerId);
    // After a restart an event can reach a job before the reconcile does: whoever gets here first
    // resumes its capture (from where the stored log ends), or the job would end with its log cut.
    if (state && state.status !== 'created') await logs.capture(job, containerId);
    if (state && !state.running && state.status !== 'created') {
      const waits = [logs.drained(job.id)];
      // A kill (137) may be the kernel's OOM killer: Docker can report the exit before its own oom
      // event and say OOMKilled false, so give that event a moment to arrive.
      if (state.exitCode === 137 && !state.oomKilled && !intents.has(job.id)) waits.push(oomWaiters.wait(containerId, oomWaitMs));
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, drainWaitMs).unref())]);
      // `docker rm -f` shows up as a kill (die, 137) and then the container is gone: that is a lost
      // job, not a failed one. Looking again after the drain tells the two apart.
      const again = await runtime.inspect(containerId);
      if (again === null && !intents.has(job.id)) state = null;
      else if (again) state = again;
    }
    if (state && oomSeen.has(containerId)) state = { ...state, oomKilled: true };
    const p = reconcilePatch(job, state, clock.now(), intents.get(job.id));
    if (!p) return job;
    const updated = await patch(job, p);
    if (updated.status === 'running') scheduleTimeout(updated);
    if (isFinal(updated.status)) intents.delete(job.id);
    return updated;
  }

  async function runLaunch(initial: Job): Promise<void> {
    let job = initial;
    const stillWanted = () => !closed && !forgotten.has(job.id) && !intents.has(job.id);
    try {
      let lastProgress = 0;
      await runtime.ensureImage(job.image, (progress) => {
        const now = Date.now();
        if (now - lastProgress < progressIntervalMs || !stillWanted()) return;
        lastProgress = now;
        void queue.run(job.id, async () => {
          if (stillWanted()) job = await patch(job, { progress });
        });
      });
      await queue.run(job.id, async () => {
        if (!stillWanted()) return endPendingIfStopped(job);
        job = await patch(job, { progress: 'creating container' });
        const containerId = await runtime.create(job);
        job = await patch(job, { containerId, progress: 'starting' });
        if (!stillWanted()) {
          await runtime.remove(containerId);
          return endPendingIfStopped(job);
        }
        // Attach before start so not a byte of output is missed.
        await logs.capture(job, containerId);
        const { enforced, state } = await runtime.start(containerId, job);
        job = await patch(job, startedPatch(state.startedAt ?? clock.now(), enforced));
        if (job.status === 'running') scheduleTimeout(job);
        // A quick job may already be gone: its die event can arrive before we stored 'running'.
        if (!state.running) job = await applyState(job);
      });
    } catch (e) {
      await queue.run(job.id, async () => {
        if (forgotten.has(job.id)) return;
        const message = launchFailure(e);
        logger.warn({ jobId: job.id, err: e }, `job failed to start: ${message}`);
        const current = (await store.get(job.id)) ?? job;
        if (current.containerId) await runtime.remove(current.containerId).catch(() => undefined);
        job = await patch(current, errorPatch(message, clock.now()));
      });
    }
  }

  async function endPendingIfStopped(job: Job): Promise<void> {
    if (intents.get(job.id) === 'stopped' && !forgotten.has(job.id)) {
      intents.delete(job.id);
      await patch(job, endedWithoutContainerPatch('stopped', clock.now()));
    }
  }

  function launch(job: Job) {
    if (launching.has(job.id)) return;
    const p = runLaunch(job).finally(() => launching.delete(job.id));
    launching.set(job.id, p);
  }

  async function stop(job: Job, timeoutSeconds: number): Promise<Job> {
    if (isFinal(job.status)) return job;
    intents.set(job.id, 'stopped');
    const current = (await store.get(job.id)) ?? job;
    if (current.containerId) {
      await runtime.stop(current.containerId, timeoutSeconds);
      return queue.run(job.id, async () => applyState((await store.get(job.id)) ?? current));
    }
    // Still pulling: the launcher sees the intent and ends the job instead of creating a container.
    if (!launching.has(job.id)) {
      return queue.run(job.id, async () => {
        const j = (await store.get(job.id)) ?? current;
        intents.delete(job.id);
        return isFinal(j.status) ? j : patch(j, endedWithoutContainerPatch('stopped', clock.now()));
      });
    }
    await launching.get(job.id);
    return (await store.get(job.id)) ?? current;
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
      // Docker repeats oom events; one log line per container is enough. The exit sets the reason.
      if (!oomSeen.has(event.containerId)) logger.info({ jobId, containerId: event.containerId }, 'job hit its memory limit');
      oomSeen.add(event.containerId);
      oomWaiters.seen(event.containerId);
      return;
    }
    if (event.type === 'start') return;
    void queue
      .run(jobId, async () => {
        const job = await store.get(jobId);
        if (!job || job.containerId !== event.containerId) return;
        await applyState(job);
      })
      .catch((e) => {
        logger.warn({ err: e, jobId }, `handling Docker ${event.type} event failed; retrying`);
        retryLater(jobId);
      });
    if (event.type === 'destroy') oomSeen.delete(event.containerId);
  }

  // One reconcile at a time; a request during one runs once more after it (events may have been missed).
  let reconciling: Promise<void> | null = null;
  let again = false;
  function reconcile(): Promise<void> {
    if (reconciling) {
      again = true;
      return reconciling;
    }
    reconciling = (async () => {
      do {
        again = false;
        await reconcileOnce();
      } while (again && !closed);
    })().finally(() => {
      reconciling = null;
    });
    return reconciling;
  }

  // The first reconcile that gets through also finishes captures a kill cut short: an exit waits only
  // drainWaitMs for its log, so a job can be final while its output is still being read.
  let finishedResumed = false;

  async function reconcileOnce(): Promise<void> {
    const [containers, active] = await Promise.all([runtime.listManaged(), store.listActive()]);
    const known = new Map<string, Job>();
    for (const job of active) if (job.containerId) known.set(job.containerId, job);

    for (const c of containers) {
      if (known.has(c.containerId)) continue;
      const job = c.jobId === null ? null : await store.get(c.jobId);
      if (job && job.containerId === c.containerId) {
        // A finished job's container, kept until removed; a complete log makes this a no-op.
        if (!finishedResumed && !forgotten.has(job.id)) await logs.capture(job, c.containerId);
        continue;
      }
      if (job && launching.has(job.id)) continue; // being created right now
      logger.warn({ containerId: c.containerId, jobId: c.jobId }, 'removing a cjm container that has no record');
      await runtime.remove(c.containerId);
    }

    for (const job of active) {
      if (launching.has(job.id)) continue;
      if (job.status === 'pending' && !job.containerId) {
        launch(job);
        continue;
      }
      await queue.run(job.id, async () => {
        const current = await store.get(job.id);
        if (!current || isFinal(current.status) || !current.containerId) return;
        const state = await runtime.inspect(current.containerId);
        if (state?.status === 'created') {
          // Interrupted between create and start: start over cleanly.
          await runtime.remove(current.containerId);
          const reset = await store.update(current.id, { containerId: null, progress: null }, activeStatuses);
          if (reset) launch(reset);
          return;
        }
        await applyState(current);
      });
    }
    finishedResumed = true;
  }

  return {
    launch,
    stop,
    refresh: (job) => queue.run(job.id, async () => applyState((await store.get(job.id)) ?? job)),
    async forget(job) {
      forgotten.add(job.id);
      clearTimer(job.id);
      intents.delete(job.id);
      await launching.get(job.id);
      await queue.run(job.id, async () => undefined);
    },
    handleEvent,
    async reconcile() {
      await reconcile();
      if (!cancelPeriodic) schedulePeriodicReconcile();
    },
    async close() {
      closed = true;
      cancelRetry?.();
      cancelPeriodic?.();
      for (const id of [...timers.keys()]) clearTimer(id);
      await Promise.allSettled([...launching.values()]);
      await queue.idle();
    },
  };
}

function launchFailure(e: unknown): string {
  if (e instanceof ImageUnavailableError || e instanceof ContainerStartError) return e.message;
  if (e instanceof DockerUnavailableError) return 'Docker became unreachable while starting the job';
  return 'the job could not be started (internal error; see the server log)';
}

/** Lets an exit wait a bounded time for the oom event of its container. */
function createOomWaiters(seen: Set<string>) {
  const waiting = new Map<string, Set<() => void>>();
  return {
    wait(containerId: string, ms: number): Promise<void> {
      if (seen.has(containerId)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const set = waiting.get(containerId) ?? new Set();
        waiting.set(containerId, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          if (!set.size) waiting.delete(containerId);
          resolve();
        };
        const timer = setTimeout(done, ms);
        timer.unref();
        set.add(done);
      });
    },
    seen(containerId: string) {
      for (const done of [...(waiting.get(containerId) ?? [])]) done();
    },
  };
}
