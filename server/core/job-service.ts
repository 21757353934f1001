// The job service: the implementation of api.ts's JobService, what every JSON-RPC method does, behind
// access checks. Lifecycle work (Docker, timers, events) is in job-lifecycle.ts.
import { invalidParams, type Job, type JobSpec, type ResultOf, type SystemInfo } from '../protocol/index.js';
import { DockerUnavailableError, JobNotFoundError, JobNotRunningError, QuotaExceededError } from './errors.js';
import { createJobBus } from './job-bus.js';
import { createLifecycle, type LifecycleOptions } from './job-lifecycle.js';
import { createKeyedQueue } from './keyed-queue.js';
import type { Clock, JobRuntime, JobStore, LogStore, Logger, RuntimeEventStream } from './ports.js';
import type { Caller, JobService } from './api.js';

export interface JobServiceDeps {
  store: JobStore;
  runtime: JobRuntime;
  logs: LogStore;
  clock: Clock;
  logger: Logger;
}

export interface Quotas {
  /** Pending + running jobs per user. */
  jobs: number;
  /** Sum of cpus over a user's pending + running jobs. */
  cpus: number;
  /** Sum of memoryMb over a user's pending + running jobs. */
  memoryMb: number;
}

export interface JobServiceOptions extends LifecycleOptions {
  version: string;
  quotas?: Partial<Quotas>;
  /** How long host capacity (CPUs, memory) read from Docker is reused. */
  infoTtlMs?: number;
}

export const defaultQuotas: Quotas = { jobs: 50, cpus: 32, memoryMb: 65536 };

export function createJobService(deps: JobServiceDeps, options: JobServiceOptions): JobService {
  const { store, runtime, logs, clock, logger } = deps;
  const quotas: Quotas = { ...defaultQuotas, ...options.quotas };
  const infoTtlMs = options.infoTtlMs ?? 60_000;
  const bus = createJobBus((err) => logger.warn({ err }, 'a job listener threw'));
  const lifecycle = createLifecycle({ store, runtime, logs, clock, logger, bus }, options);
  const perUser = createKeyedQueue<string>();
  let events: RuntimeEventStream | null = null;
  let info: { value: Omit<SystemInfo, 'version'>; at: number } | null = null;

  async function hostInfo() {
    if (!info || clock.now().getTime() - info.at > infoTtlMs) info = { value: await runtime.info(), at: clock.now().getTime() };
    return info.value;
  }

  /** The job, if the caller may see it; 4004 otherwise (also for other users' jobs: no oracle). */
  async function visible(caller: Caller, id: number): Promise<Job> {
    const job = await store.get(id);
    if (!job || (!caller.admin && job.owner !== caller.user)) throw new JobNotFoundError(id);
    return job;
  }

  async function checkCapacity(caller: Caller, spec: JobSpec) {
    await runtime.ping();
    const { capacity } = await hostInfo();
    if (spec.cpus > capacity.cpus) throw invalidParams('cpus', `must be at most ${capacity.cpus} (this host's CPUs)`);
    if (spec.memoryMb > capacity.memoryMb) throw invalidParams('memoryMb', `must be at most ${capacity.memoryMb} (this host's memory in MB)`);
    const usage = await store.usage(caller.user);
    const over = (what: string, used: number, asked: number, limit: number) =>
      new QuotaExceededError(`Quota exceeded: ${what}: ${caller.user} uses ${round(used)}, asks ${round(asked)} more, limit ${limit}`);
    if (usage.jobs + 1 > quotas.jobs) throw over('active jobs', usage.jobs, 1, quotas.jobs);
    if (usage.cpus + spec.cpus > quotas.cpus) throw over('cpus', usage.cpus, spec.cpus, quotas.cpus);
    if (usage.memoryMb + spec.memoryMb > quotas.memoryMb) throw over('memoryMb', usage.memoryMb, spec.memoryMb, quotas.memoryMb);
  }

  return {
    async create(caller, spec) {
      // One create at a time per user, so two concurrent creates cannot both pass the quota check.
      const job = await perUser.run(caller.user, async () => {
        await checkCapacity(caller, spec);
        return store.insert({ ...spec, owner: caller.user, createdAt: clock.now() });
      });
      bus.updated(job);
      lifecycle.launch(job);
      return job;
    },

    async list(caller, params) {
      let beforeId: number | undefined;
      if (params.cursor) {
        if (!/^[1-9][0-9]{0,15}$/.test(params.cursor)) throw invalidParams('cursor', 'must be a nextCursor from a previous page');
        beforeId = Number(params.cursor);
      }
      const rows = await store.list({
        owner: caller.admin ? null : caller.user,
        status: params.status,
        search: params.search,
        limit: params.limit + 1,
        beforeId,
      });
      const jobs = rows.slice(0, params.limit);
      const last = jobs[jobs.length - 1];
      return { jobs, nextCursor: rows.length > params.limit && last ? String(last.id) : null };
    },

    get: (caller, id) => visible(caller, id),

    async refresh(caller, id) {
      return lifecycle.refresh(await visible(caller, id));
    },

    async stop(caller, id, timeoutSeconds) {
      return lifecycle.stop(await visible(caller, id), timeoutSeconds);
    },

    async kill(caller, id) {
      return lifecycle.kill(await visible(caller, id));
    },

    async remove(caller, id): Promise<ResultOf<'job.remove'>> {
      const job = await visible(caller, id);
      // Container first: if Docker is down we fail with 5003 and keep the record and logs.
      if (job.containerId) await runtime.remove(job.containerId);
      await lifecycle.forget(job);
      const current = (await store.get(id)) ?? job;
      if (current.containerId && current.containerId !== job.containerId) await runtime.remove(current.containerId);
      await logs.remove(id);
      await store.delete(id);
      bus.removed(job);
      return { id, removed: true };
    },

    async logs(caller, params) {
      await visible(caller, params.id);
      return { id: params.id, ...(await logs.tail(params.id, params.tailBytes, params.stream)) };
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
      return { version: options.version, ...(await hostInfo()) };
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
    },

    async close() {
      events?.close();
      events = null;
      await lifecycle.close();
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
