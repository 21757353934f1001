// The job service: the implementation of api.ts's JobService, what every JSON-RPC method does, behind
// access checks. Lifecycle work (Docker, timers, events) is in job-lifecycle.ts.
import { finishedStatuses, limits, type Job, type JobSpec, type ResultOf } from '../protocol/index.js';
import type { Resources } from './admission.js';
import { DockerUnavailableError, JobNotFoundError, JobNotRunningError, NameTakenError } from './errors.js';
import { createCreateChecks, type Quotas } from './create-checks.js';
import { createJobBus } from './job-bus.js';
import { isFinal } from './job-state.js';
import { createLifecycle, type LifecycleOptions } from './job-lifecycle.js';
import { createKeyedQueue } from './keyed-queue.js';
import type { Clock, FinishedQuery, HostInfo, JobRuntime, JobStore, LogStore, Logger, RuntimeEventStream } from './ports.js';
import { rerunNames, specOfJob } from './rerun.js';
import { together } from './together.js';
import { createRetentionSweep } from './retention.js';
import { mayAccess, type Caller, type JobService } from './api.js';

export interface JobServiceDeps {
  store: JobStore;
  runtime: JobRuntime;
  logs: LogStore;
  clock: Clock;
  logger: Logger;
}

export interface JobServiceOptions extends LifecycleOptions {
  version: string;
  quotas?: Partial<Quotas>;
  /** How long host capacity (CPUs, memory) read from Docker is reused. */
  infoTtlMs?: number;
  /** What admission shares out (CJM_CAPACITY_*); a part left out is the host's (Docker's info). */
  capacity?: Partial<Resources>;
  /** CJM_RETENTION: finished jobs older than this are removed by a periodic sweep; unset keeps them. */
  retentionMs?: number;
  /** Time between retention sweeps (default: see createRetentionSweep). */
  retentionIntervalMs?: number;
}

/** Jobs listed (and removed) per round of job.removeMany and the retention sweep. */
const removePage = 200;
/** Names job.rerun looks at per query, and in all before it gives up. */
const rerunNameBatch = 20;
const rerunNameAttempts = 200;

export function createJobService(deps: JobServiceDeps, options: JobServiceOptions): JobService {
  const { store, runtime, logs, clock, logger } = deps;
  const infoTtlMs = options.infoTtlMs ?? 60_000;
  const bus = createJobBus((err) => logger.warn({ err }, 'a job listener threw'));
  // Under swarm its scheduler places and holds jobs (one queue, not two): admission lets all through.
  const admissionCapacity = async (): Promise<Resources> => (runtime.placement === true ? { cpus: Infinity, memoryMb: Infinity } : capacity());
  const lifecycle = createLifecycle({ store, runtime, logs, clock, logger, bus, capacity: admissionCapacity }, options);
  const nodes = async () => ((await hostInfo()).nodes ?? []).filter((n) => n.state === 'ready' && n.availability === 'active');
  const checks = createCreateChecks({ store, runtime, capacity, nodes }, { ...(options.quotas ? { quotas: options.quotas } : {}), ...(options.capacity ? { configured: options.capacity } : {}) });
  const perUser = createKeyedQueue<string>();
  let events: RuntimeEventStream | null = null;
  let info: { value: HostInfo; at: number } | null = null;
  async function hostInfo() {
    if (!info || clock.now().getTime() - info.at > infoTtlMs) info = { value: await runtime.info(), at: clock.now().getTime() };
    return info.value;
  }

  async function capacity(): Promise<Resources> {
    const { cpus, memoryMb } = options.capacity ?? {};
    if (cpus !== undefined && memoryMb !== undefined) return { cpus, memoryMb };
    const host = (await hostInfo()).capacity;
    return { cpus: cpus ?? host.cpus, memoryMb: memoryMb ?? host.memoryMb };
  }

  /** The job, if the caller may see it; 4004 otherwise (also for other users' jobs: no oracle). */
  async function visible(caller: Caller, id: number): Promise<Job> {
    const job = await store.get(id);
    if (!job || !mayAccess(caller, job.owner)) throw new JobNotFoundError(id);
    return job;
  }

  async function create(caller: Caller, spec: JobSpec): Promise<Job> {
    // Docker's ping (shared by a burst) and the capacity check need no lock: they start at once.
    const runnable = checks.runnable(spec);
    // Awaited under the lock below; until then a failure must not count as unhandled.
    runnable.catch(() => undefined);
    // The quota check and the insert, one create at a time per user, so two concurrent creates
    // cannot both pass the quota check.
    const job = await perUser.run(caller.user, async () => {
      await together(checks.quota(caller, spec), runnable);
      return store.insert({ ...spec, owner: caller.user, createdAt: clock.now() });
    });
    // Admission announces the job (job.updated), queued with its position or on its way to start.
    await lifecycle.schedule();
    return lifecycle.present(job);
  }

  /** The one way a job goes: container, record and log data (job.remove, removeMany, retention). */
  async function removeJob(job: Job): Promise<void> {
    // Container first: if Docker is down we fail with 5003 and keep the record and logs.
    if (job.containerId) await runtime.remove(job.containerId);
    await lifecycle.forget(job);
    const current = (await store.get(job.id)) ?? job;
    if (current.containerId && current.containerId !== job.containerId) await runtime.remove(current.containerId);
    await logs.remove(job.id);
    // Removed meanwhile by another call: that one told the listeners.
    if (await store.delete(job.id)) bus.removed(job);
    // An active job's room, or its place in the queue, is free.
    if (!isFinal(job.status)) await lifecycle.schedule();
  }

  /** Removes every finished job matching, newest first, a page at a time; answers their ids. */
  async function removeFinished(query: Omit<FinishedQuery, 'limit' | 'beforeId'>): Promise<number[]> {
    const removed: number[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = await store.listFinished({ ...query, limit: removePage, beforeId });
      for (const job of page) {
        await removeJob(job);
        removed.push(job.id);
      }
      const last = page[page.length - 1];
      if (page.length < removePage || !last) return removed;
      beforeId = last.id;
    }
  }

  const retention = options.retentionMs
    ? createRetentionSweep(
        { clock, logger, removeFinishedBefore: (before) => removeFinished({ owner: null, statuses: finishedStatuses, finishedBefore: before }) },
        { retentionMs: options.retentionMs, intervalMs: options.retentionIntervalMs },
      )
    : null;

  return {
    create,

    async list(caller, params) {
      let beforeId: number | undefined;
      if (params.cursor) beforeId = Number(params.cursor);
      const filter = { owner: caller.admin ? null : caller.user, status: params.status, search: params.search };
      const [rows, counted] = await Promise.all([
        store.list({ ...filter, limit: params.limit + 1, beforeId }),
        // A search's count walks every match (measured at 100,000 jobs: 65-140 ms p50, 0.5 s p99 for a
        // common term); bounded, 1-10 ms p50, about what a page of it costs (README).
        params.count ? store.count(filter, params.search ? limits.searchCountCap : undefined) : null,
      ]);
      const jobs = rows.slice(0, params.limit).map(lifecycle.present);
      const last = jobs[jobs.length - 1];
      return { jobs, nextCursor: rows.length > params.limit && last ? String(last.id) : null, total: counted?.total ?? null, totalCapped: counted?.capped ?? false };
    },

    get: async (caller, id) => lifecycle.present(await visible(caller, id)),

    async refresh(caller, id) {
      return lifecycle.present(await lifecycle.refresh(await visible(caller, id)));
    },

    async stop(caller, id, timeoutSeconds) {
      return lifecycle.stop(await visible(caller, id), timeoutSeconds);
    },

    async kill(caller, id) {
      return lifecycle.kill(await visible(caller, id));
    },

    async remove(caller, id): Promise<ResultOf<'job.remove'>> {
      await removeJob(await visible(caller, id));
      return { id, removed: true };
    },

    async removeMany(caller, params) {
      const finishedBefore = params.olderThanSeconds === undefined ? undefined : new Date(clock.now().getTime() - params.olderThanSeconds * 1000);
      // Admins too clear only their own: a bulk delete of other users' work is one typo away.
      return { removed: await removeFinished({ owner: caller.user, statuses: [params.status], finishedBefore }) };
    },

    async rerun(caller, params) {
      const original = await visible(caller, params.id);
      const spec = specOfJob(original);
      if (params.name !== undefined) return create(caller, { ...spec, name: params.name });
      // The first free name of a batch; one that is taken meanwhile (4009) moves on to the next.
      for (let skip = 0; skip < rerunNameAttempts; ) {
        const candidates = rerunNames(original.name, rerunNameBatch, skip);
        const taken = new Set((await store.takenNames(candidates)).map((n) => n.toLowerCase()));
        for (const name of candidates) {
          skip++;
          if (taken.has(name.toLowerCase())) continue;
          try {
            return await create(caller, { ...spec, name });
          } catch (e) {
            if (!(e instanceof NameTakenError)) throw e;
          }
        }
      }
      throw new NameTakenError(`${original.name} (no free -N suffix in ${rerunNameAttempts} tries; give a name)`);
    },

    async logs(caller, params) {
      await visible(caller, params.id);
      const { text, chunks, size, truncated } = await logs.tail(params.id, params.tailBytes, params.stream, params.timestamps);
      // Timestamps only exist per chunk, so asking for them means asking for chunks.
      return params.chunks || params.timestamps ? { id: params.id, chunks, size, truncated } : { id: params.id, text, size, truncated };
    },

    async follow(caller, params, sink) {
      const job = await visible(caller, params.id);
      // A job that ended before it had a container has no output and never will.
      if ((job.status === 'error' || job.status === 'exited') && !job.containerId) {
        sink.end('finished', 0);
        return () => undefined;
      }
      return logs.follow(params.id, params.fromOffset, (c) => sink.chunk(c), (reason, offset) => sink.end(reason, offset));
    },

    async stats(caller, id) {
      const job = await visible(caller, id);
      if (job.status !== 'running' || !job.containerId) throw new JobNotRunningError(id, job.status);
      return runtime.stats(job.containerId, job.cpus);
    },

    subscribe: (caller, listener) => bus.subscribe(caller, listener),

    async systemInfo() {
      const { allocated, queued } = lifecycle.queueState();
      return { version: options.version, ...(await hostInfo()), capacity: await capacity(), allocated, queued };
    },

    async start() {
      // Subscribe first so nothing that happens during the reconcile is missed; the stream's first
      // 'resync' triggers a second (cheap) reconcile, which is harmless.
      events = runtime.events((e) => lifecycle.handleEvent(e));
      try {
        await lifecycle.reconcile();
      } catch (e) {
        // Serve anyway: calls answer 5003 meanwhile, and the event stream's resync reconciles once
        // Docker is back.
        if (!(e instanceof DockerUnavailableError)) throw e;
        logger.warn({ err: e }, 'Docker is unreachable; reconciling when it comes back');
      }
      retention?.start();
    },

    async close() {
      await retention?.close();
      events?.close();
      events = null;
      await lifecycle.close();
    },
  };
}
