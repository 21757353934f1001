// JobRuntime over dockerode: the one place cjm talks to Docker.
import { createKernelOomCheck } from './kernel-oom.js';
import type Docker from 'dockerode';
import { ContainerStartError, DockerUnavailableError } from '../../core/errors.js';
import type { Clock, ContainerState, JobRuntime, Logger, ManagedContainer } from '../../core/ports.js';
import type { Enforced, Job } from '../../protocol/index.js';
import { hostControllers } from './cgroup-io.js';
import { createSystemClock } from '../../core/clock.js';
import { containerConfig, containerName, jobIdLabel, managedFilters, userNetworkLabel } from './container-config.js';
import { containerState, type DockerState } from './container-state.js';
import { createEnforcementChecker, type InspectedContainer } from './enforcement.js';
import { cleanDockerMessage, mapDockerError, statusCodeOf, withTimeout } from './errors.js';
import { jobIdFromLabel } from './event-map.js';
import { watchEvents, type EventSource } from './events.js';
import { createOutputSource } from './output.js';
import { ensureImage } from './pull.js';
import { computeStats, type DockerStatsSample } from './stats.js';
import { applyHostAccess, systemIptables, type Iptables } from './host-access.js';
import { createUserNetworks } from './user-networks.js';

export interface DockerRuntimeDeps {
  docker: Docker;
  logger: Logger;
  clock?: Clock;
}

export interface DockerRuntimeOptions {
  /** Where cgroups are mounted; tests pass fixture trees. */
  cgroupRoot?: string;
  sysBlockRoot?: string;
  procRoot?: string;
  /** Docker's json-file max-size: its copy of the output stays bounded (cjm keeps its own). */
  logMaxSize?: string;
  /** Ceiling for one Docker API call (stop adds its grace period). */
  callTimeoutMs?: number;
  /** A pull silent for this long fails. */
  pullStallTimeoutMs?: number;
  events?: { initialBackoffMs?: number; maxBackoffMs?: number };
  /** Labels containers cjm.instance=<this> and lists/watches only those: several cjm servers sharing
   * one dockerd (integration tests, each with its own database) then never reconcile away each
   * other's containers. Unset: every cjm.managed container is this server's. */
  instance?: string;
  /** The kernel log, read to tell an OOM kill Docker missed from another kill (default /dev/kmsg). */
  kmsgPath?: string;
  /** CJM_JOBS_REACH_HOST: false (default) keeps jobs on user networks from opening connections to
   * the host (host-access.ts); applied before the first user network is used. */
  jobsReachHost?: boolean;
  /** How iptables is run (default: the system's `iptables -w`). */
  iptables?: Iptables;
}

interface CreateResponse {
  Id: string;
  Warnings?: string[] | null;
}

const startError = (err: unknown) => new ContainerStartError(cleanDockerMessage(err), { cause: err });
/** Create warnings kept until start() reads them; bounded in case a start never comes. */
const maxPendingWarnings = 1000;

export function createDockerRuntime(deps: DockerRuntimeDeps, options: DockerRuntimeOptions = {}): JobRuntime {
  const { docker, logger } = deps;
  const clock = deps.clock ?? createSystemClock();
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const logMaxSize = options.logMaxSize ?? '64m';
  const warnings = new Map<string, string[]>();

  const call = <T>(what: string, work: Promise<T>): Promise<T> => withTimeout(what, callTimeoutMs, work);
  const kernelOom = createKernelOomCheck({ kmsgPath: options.kmsgPath });
  // A finished container's answer never changes; remember the last few so repeated inspects of one
  // exit read the kernel log once.
  const oomAnswers = new Map<string, boolean>();
  const oomFromKernel = (containerId: string): boolean => {
    let answer = oomAnswers.get(containerId);
    if (answer === undefined) {
      answer = kernelOom.wasOomKilled(containerId);
      oomAnswers.set(containerId, answer);
      if (oomAnswers.size > 256) oomAnswers.delete(oomAnswers.keys().next().value!);
    }
    return answer;
  };
  const dockerInfo = () => call('info', docker.info() as Promise<{ DockerRootDir?: string; NCPU?: number; MemTotal?: number; DefaultRuntime?: string; CgroupVersion?: string; CpuCfsQuota?: boolean; MemoryLimit?: boolean; SwapLimit?: boolean; PidsLimit?: boolean }>);

  const enforcement = createEnforcementChecker(
    {
      logger,
      dataRoot: async () => (await dockerInfo()).DockerRootDir ?? '/var/lib/docker',
    },
    { cgroupRoot, sysBlockRoot: options.sysBlockRoot ?? '/sys/block', procRoot: options.procRoot ?? '/proc' },
  );

  const inspectRaw = async (containerId: string): Promise<(InspectedContainer & { Id: string; State: DockerState & { Pid?: number }; Config?: { Labels?: Record<string, string> } }) | null> => {
    try {
      return (await call('container inspect', docker.getContainer(containerId).inspect())) as never;
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      throw mapDockerError(err);
    }
  };

  const stateOf = (inspected: { Id: string; State: DockerState }): ContainerState => {
    const state = containerState(inspected.State);
    if (state.exitCode === 137 && !state.oomKilled) state.oomKilled = oomFromKernel(inspected.Id);
    return state;
  };

  // dockerode's createContainer drops Docker's Warnings, which is where a discarded BlkioWeight is
  // reported; dial the endpoint directly to keep them.
  const networks = createUserNetworks(
    { docker, logger, call, beforeFirstUse: () => applyHostAccess(options.iptables ?? systemIptables, options.jobsReachHost ?? false) },
    options.instance === undefined ? {} : { instance: options.instance },
  );

  const createContainer = (job: Job, userNetwork?: { id: string; name: string }): Promise<CreateResponse> =>
    call(
      'container create',
      new Promise<CreateResponse>((resolve, reject) => {
        (docker.modem as { dial(o: object, cb: (err: unknown, data: unknown) => void): void }).dial(
          {
            path: '/containers/create?',
            method: 'POST',
            options: {
              _query: { name: containerName(job) },
              _body: containerConfig(job, { logMaxSize, ...(options.instance === undefined ? {} : { instance: options.instance }), ...(userNetwork ? { userNetwork } : {}) }),
            },
            statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
          },
          (err, data) => (err ? reject(err) : resolve(data as CreateResponse)),
        );
      }),
    );

  const removeUnstartedLeftover = async (job: Job): Promise<boolean> => {
    const existing = await inspectRaw(containerName(job));
    if (existing === null || existing.Config?.Labels?.[jobIdLabel] !== String(job.id) || existing.State.Status !== 'created') return false;
    logger.warn({ jobId: job.id, containerId: existing.Id }, 'removing a never-started container left from an earlier create');
    try {
      await call('container remove', docker.getContainer(existing.Id).remove({ force: true, v: true }));
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw mapDockerError(err);
    }
    return true;
  };

  return {
    async ping() {
      try {
        await withTimeout('ping', Math.min(callTimeoutMs, 5000), docker.ping());
      } catch (err) {
        throw mapDockerError(err, (e) => new DockerUnavailableError(e));
      }
    },

    ensureImage(image, onProgress) {
      return ensureImage(docker, clock, image, onProgress, {
        callTimeoutMs,
        stallTimeoutMs: options.pullStallTimeoutMs ?? 120_000,
        progressIntervalMs: 500,
      });
    },

    async create(job: Job): Promise<string> {
      const create = async (userNetwork?: { id: string; name: string }): Promise<CreateResponse> => {
        try {
          return await createContainer(job, userNetwork);
        } catch (err) {
          // A container of this very job that was created but never started (the server stopped in
          // between) holds the name: clear it and try once more.
          if (statusCodeOf(err) !== 409 || !(await removeUnstartedLeftover(job))) throw mapDockerError(err, startError);
          try {
            return await createContainer(job, userNetwork);
          } catch (again) {
            throw mapDockerError(again, startError);
          }
        }
      };
      // Bridge jobs join their owner's own network, never Docker's shared default bridge.
      const response = job.network === 'bridge' ? await networks.withNetwork(job.owner, create) : await create();
      const list = (response.Warnings ?? []).filter(Boolean);
      if (list.length > 0) logger.info({ containerId: response.Id, warnings: list }, 'docker create warnings');
      warnings.set(response.Id, list);
      if (warnings.size > maxPendingWarnings) warnings.delete(warnings.keys().next().value as string);
      return response.Id;
    },

    async start(containerId: string, job: Job): Promise<{ enforced: Enforced; state: ContainerState }> {
      try {
        await call('container start', docker.getContainer(containerId).start());
      } catch (err) {
        if (statusCodeOf(err) !== 304) throw mapDockerError(err, startError);
      }
      const createWarnings = warnings.get(containerId) ?? [];
      warnings.delete(containerId);
      const inspected = await inspectRaw(containerId);
      if (inspected === null) throw new ContainerStartError('the container vanished right after it started');
      return { enforced: await enforcement.verify(job, inspected, createWarnings), state: stateOf(inspected) };
    },

    async inspect(containerId: string): Promise<ContainerState | null> {
      const inspected = await inspectRaw(containerId);
      return inspected === null ? null : stateOf(inspected);
    },

    async stop(containerId: string, timeoutSeconds: number): Promise<void> {
      try {
        await withTimeout('container stop', timeoutSeconds * 1000 + callTimeoutMs, docker.getContainer(containerId).stop({ t: timeoutSeconds }));
      } catch (err) {
        const code = statusCodeOf(err);
        if (code === 304 || code === 404) return;
        throw mapDockerError(err);
      }
    },

    async remove(containerId: string): Promise<void> {
      warnings.delete(containerId);
      const network = (await inspectRaw(containerId))?.Config?.Labels?.[userNetworkLabel];
      try {
        await call('container remove', docker.getContainer(containerId).remove({ force: true, v: true }));
      } catch (err) {
        const code = statusCodeOf(err);
        // 409: a removal is already in progress; the container is going either way.
        if (code !== 404 && !(code === 409 && /already in progress/i.test(cleanDockerMessage(err)))) throw mapDockerError(err);
      }
      // Gone with its owner's last container, and only then (release checks under the network's lock).
      if (network !== undefined) await networks.release(network);
    },

    pruneNetworks: () => networks.prune(),

    async listManaged(): Promise<ManagedContainer[]> {
      let list: Docker.ContainerInfo[];
      try {
        list = await call('container list', docker.listContainers({ all: true, filters: { label: managedFilters(options.instance) } }));
      } catch (err) {
        throw mapDockerError(err);
      }
      // Ids and labels only: the reconciler inspects just the containers of active jobs, so a
      // periodic reconcile costs one list call however many finished containers are kept.
      return list.map((c) => ({ containerId: c.Id, jobId: jobIdFromLabel(c.Labels?.[jobIdLabel]) }));
    },

    events(handler) {
      return watchEvents(docker as unknown as EventSource, handler, { logger, clock }, { ...options.events, ...(options.instance === undefined ? {} : { instance: options.instance }) });
    },

    async info() {
      let version: Docker.DockerVersion;
      let info: Awaited<ReturnType<typeof dockerInfo>>;
      try {
        [version, info] = await Promise.all([call('version', docker.version()), dockerInfo()]);
      } catch (err) {
        throw mapDockerError(err);
      }
      const host = await hostControllers(cgroupRoot);
      const io = await enforcement.hostIoWeight().catch((err: unknown) => ({
        enforced: false,
        note: `IO weight not verified: ${err instanceof Error ? err.message : String(err)}`,
      }));
      const notes = [io.note, info.SwapLimit === false ? 'swap limit not supported by the kernel (no swap accounting)' : undefined].filter(
        (n): n is string => n !== undefined,
      );
      return {
        docker: { version: version.Version, apiVersion: version.ApiVersion },
        runtime: `${info.DefaultRuntime ?? 'runc'}, cgroup v${info.CgroupVersion ?? String(host.version)}`,
        capacity: { cpus: info.NCPU ?? 0, memoryMb: Math.floor((info.MemTotal ?? 0) / (1024 * 1024)) },
        enforcement: {
          cpus: host.cpus && info.CpuCfsQuota !== false,
          memory: host.memory && info.MemoryLimit !== false,
          pids: host.pids && info.PidsLimit !== false,
          ioWeight: io.enforced,
          ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
        },
      };
    },

    async stats(containerId: string, cpusLimit: number) {
      let sample: DockerStatsSample;
      try {
        sample = (await call('container stats', docker.getContainer(containerId).stats({ stream: false }))) as DockerStatsSample;
      } catch (err) {
        throw mapDockerError(err);
      }
      return computeStats(sample, cpusLimit, clock.now());
    },

    attachOutput(containerId, attachOptions) {
      return createOutputSource(docker, containerId, attachOptions);
    },
  };
}
