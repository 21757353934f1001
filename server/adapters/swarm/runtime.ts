// JobRuntime over a Docker Swarm manager (CJM_RUNTIME=swarm): each job is a service of one replica
// that never restarts (service-spec.ts says why not replicated-job mode), placed by swarm's scheduler. The runtime's
// "container id" is the service ID. States come from the service's task (task-state.ts) and are
// watched by polling the task and node lists (watch.ts): Docker 20.10 has no task events.
import type Docker from 'dockerode';
import { ContainerStartError, DockerUnavailableError, StatsUnavailableError } from '../../core/errors.js';
import { createSystemClock } from '../../core/clock.js';
import { rejectedReason } from '../../core/job-state.js';
import type { Clock, ContainerState, JobRuntime, Logger, ManagedContainer, OutputSource } from '../../core/ports.js';
import type { Enforced, Job } from '../../protocol/index.js';
import { jobIdLabel, managedFilters, mib } from '../docker/container-config.js';
import { createUserNetworks } from '../docker/user-networks.js';
import { cleanDockerMessage, mapDockerError, statusCodeOf, withTimeout } from '../docker/errors.js';
import { jobIdFromLabel } from '../docker/event-map.js';
import { outputFromStream } from '../docker/output.js';
import { readCgroup, readProcCgroup } from '../docker/cgroup-io.js';
import { checkLimits, type LimitSpec } from '../docker/cgroup-limits.js';
import { ensureImage } from '../docker/pull.js';
import { computeStats, type DockerStatsSample } from '../docker/stats.js';
import { serviceSpec, stoppedLabel } from './service-spec.js';
import { currentTask, taskState, type SwarmNode, type SwarmTask } from './task-state.js';
import { watchTasks } from './watch.js';

export interface SwarmRuntimeDeps {
  /** A client of a swarm manager. */
  docker: Docker;
  logger: Logger;
  clock?: Clock;
}

export interface SwarmRuntimeOptions {
  instance?: string;
  callTimeoutMs?: number;
  /** How often the task and node lists are read for changes. */
  pollMs?: number;
  /** How long start() waits for the task to run before it leaves the job pending. */
  startWaitMs?: number;
  /** SIGTERM-to-SIGKILL grace when a job on another node than the manager's is stopped: swarm reads it
   * from the task's own spec, fixed at create (see stop()). */
  stopGraceSeconds?: number;
  /** Where cgroups are mounted and /proc is, for reading back the limits of tasks on the manager's
   * node (cjm runs on the manager's host); tests pass fixture trees. */
  cgroupRoot?: string;
  procRoot?: string;
}

/** What swarm cannot apply or tell; said in every job's `enforced.note`. */
export const swarmNote =
  'swarm runtime: IO weight has no swarm equivalent; no-new-privileges needs a newer Docker API than 20.10 offers for services; on another node than the manager\'s, swarm reports an OOM kill only as exit 137 (reason failed)';

/** A job whose task's cgroup cjm could not read: nothing is claimed on swarm's word. */
const unverified = (why: string): Enforced => ({
  cpus: false,
  memory: false,
  pids: false,
  ioWeight: false,
  note: `${why}: cpus, memory and pids are set by swarm on the node and not read back; ${swarmNote}`,
});

interface ServiceRecord {
  Version?: { Index?: number };
  Spec?: Record<string, unknown> & {
    Labels?: Record<string, string>;
    TaskTemplate?: { Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number; Pids?: number } } };
  };
}

/** The limits a job's service asks swarm for (service-spec.ts), as the cgroup check takes them. */
function limitsOf(service: ServiceRecord | null): LimitSpec {
  const limits = service?.Spec?.TaskTemplate?.Resources?.Limits;
  return { cpus: (limits?.NanoCPUs ?? 0) / 1e9, memoryMb: (limits?.MemoryBytes ?? 0) / mib, pidsLimit: limits?.Pids ?? 0 };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createSwarmRuntime(deps: SwarmRuntimeDeps, options: SwarmRuntimeOptions = {}): JobRuntime {
  const { docker, logger } = deps;
  const clock = deps.clock ?? createSystemClock();
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 500;
  const stopGraceSeconds = options.stopGraceSeconds ?? 10;
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const procRoot = options.procRoot ?? '/proc';
  const call = <T>(what: string, work: Promise<T>): Promise<T> =>
    withTimeout(what, callTimeoutMs, work).catch((err: unknown) => {
      throw mapDockerError(err);
    });

  // A removed service's tasks are gone with it (the filter then answers 404).
  const tasksOf = async (serviceId: string): Promise<SwarmTask[]> => {
    try {
      return (await call('task list', docker.listTasks({ filters: { service: [serviceId] } }))) as SwarmTask[];
    } catch (err) {
      if (statusCodeOf(err) === 404) return [];
      throw err;
    }
  };
  const nodes = async (): Promise<SwarmNode[]> => (await call('node list', docker.listNodes())) as SwarmNode[];
  // The exit of a task cjm stopped on another node, seen while waiting for it to end: swarm deletes
  // such a task (marked for removal) within a moment of its end, and its exit code with it. Bounded;
  // a restart forgets it (the job then reads stopped with no exit code).
  const stoppedExits = new Map<string, number>();

  // The limits read back from a task's cgroup, per service: read once, when it is first seen running.
  const verified = new Map<string, Enforced>();

  // The manager's node never changes while its daemon is the one cjm talks to.
  let managerId = '';
  const managerNodeId = async (): Promise<string> => {
    if (managerId === '') managerId = ((await call('info', docker.info())) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID ?? '';
    return managerId;
  };

  const serviceOf = async (serviceId: string): Promise<ServiceRecord | null> => {
    try {
      return (await call('service inspect', docker.getService(serviceId).inspect())) as ServiceRecord;
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      throw err;
    }
  };

  /** The task's container when its node is the manager's (the only daemon cjm can ask), else null. */
  const onManager = async (task: SwarmTask | undefined): Promise<string | null> => {
    const id = task?.Status?.ContainerStatus?.ContainerID;
    return id && task?.NodeID === (await managerNodeId()) ? id : null;
  };

  async function inspect(serviceId: string): Promise<ContainerState | null> {
    const [tasks, nodeList, service] = await Promise.all([tasksOf(serviceId), nodes(), serviceOf(serviceId)]);
    const task = currentTask(tasks);
    if (task === undefined && service === null) return null;
    const state = taskState(task, nodeList.find((n) => n.ID === task?.NodeID), service?.Spec?.Labels?.[stoppedLabel] === 'true');
    if (task === undefined && state?.status === 'exited') return { ...state, exitCode: stoppedExits.get(serviceId) ?? null };
    // Read back once it runs: start() reports it, and core takes it for a job swarm held for room.
    if (state?.running === true) return { ...state, enforced: await enforcedOf(serviceId, task, service) };
    // Swarm says only 137; on the manager's node the container itself tells an OOM kill.
    const local = state?.status === 'exited' && state.exitCode === 137 ? await onManager(task) : null;
    if (state === null || local === null) return state;
    const container = (await call('container inspect', docker.getContainer(local).inspect()).catch(() => null)) as { State?: { OOMKilled?: boolean } } | null;
    return container?.State?.OOMKilled === true ? { ...state, oomKilled: true } : state;
  }

  // One attachable overlay per user, so one user's jobs reach each other by name and not another's.
  const networks = createUserNetworks(
    {
      docker,
      logger,
      call: (what, work) => call(what, work()),
      inUse: async (network, byName) => {
        const services = (await call('service list', docker.listServices())) as { Spec?: { TaskTemplate?: { Networks?: { Target?: string }[] } } }[];
        return services.some((s) => (s.Spec?.TaskTemplate?.Networks ?? []).some((n) => n.Target === network.id || (byName && n.Target === network.name)));
      },
    },
    { driver: 'overlay', ...(options.instance === undefined ? {} : { instance: options.instance }) },
  );

  const removeService = async (serviceId: string): Promise<void> => {
    try {
      await call('service remove', docker.getService(serviceId).remove());
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  };

  // A user's overlay is not removed with their last job but by the reconcile's prune (every minute),
  // so a user's next burst finds it: creating one takes a while and updates every node.
  async function remove(serviceId: string): Promise<void> {
    stoppedExits.delete(serviceId);
    verified.delete(serviceId);
    await removeService(serviceId);
  }

  /** The task's container, when it is on the manager's own node. */
  const localContainer = async (serviceId: string): Promise<string | null> => onManager(currentTask(await tasksOf(serviceId)));

  /** Ends the job's task through the manager, for a task on another node: the service is scaled to
   * zero replicas and labelled stopped, so it stays with its
   * task's exit, and reads as over, not waiting, after a cjm restart too. Swarm then sends SIGTERM,
   * and SIGKILL after the grace period of the task's own spec: fixed when the task was made (a service
   * update makes new tasks, it never changes a running one's). Waits for the task to end. */
  async function endByScaleToZero(serviceId: string, waitMs: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const service = await serviceOf(serviceId);
      if (service === null) return;
      if (service.Spec?.Labels?.[stoppedLabel] === 'true') break;
      const spec = { ...service.Spec, Labels: { ...service.Spec?.Labels, [stoppedLabel]: 'true' }, Mode: { Replicated: { Replicas: 0 } } };
      try {
        await call('service update', docker.getService(serviceId).update({ version: service.Version?.Index ?? 0, ...spec }));
        break;
      } catch (err) {
        // Another update got in first ("update out of sequence"): read the new version and try again.
        if (attempt >= 2 || statusCodeOf(err) === 404) throw err;
      }
    }
    const deadline = clock.now().getTime() + waitMs;
    while (clock.now().getTime() <= deadline) {
      const state = await inspect(serviceId);
      if (state === null || (!state.running && state.status !== 'pending')) {
        if (state?.exitCode != null) stoppedExits.set(serviceId, state.exitCode);
        if (stoppedExits.size > 1024) stoppedExits.delete(stoppedExits.keys().next().value as string);
        return;
      }
      await sleep(100);
    }
  }

  /** The limits the service asks for, read back from its task's cgroup: only on the manager's node,
   * while the task runs. Once per service. */
  async function enforcedOf(serviceId: string, task: SwarmTask | undefined, service: ServiceRecord | null): Promise<Enforced> {
    const known = verified.get(serviceId);
    if (known !== undefined) return known;
    const enforced = await verifyLimits(task, limitsOf(service)).catch((err: unknown) => unverified(`the task's cgroup could not be read (${String(err)})`));
    verified.set(serviceId, enforced);
    if (verified.size > 1024) verified.delete(verified.keys().next().value as string);
    return enforced;
  }

  async function verifyLimits(task: SwarmTask | undefined, asked: LimitSpec): Promise<Enforced> {
    const local = await onManager(task);
    if (local === null) return unverified("the task runs on another node than the manager's, whose daemon cjm does not ask");
    const container = (await call('container inspect', docker.getContainer(local).inspect())) as { State?: { Running?: boolean; Pid?: number } };
    const pid = container.State?.Pid ?? 0;
    const procText = container.State?.Running === true && pid > 0 ? await readProcCgroup(pid, procRoot) : null;
    const cgroup = procText === null ? null : await readCgroup(procText, cgroupRoot);
    if (cgroup === null) return unverified('the task ended before its cgroup could be read');
    const limits = checkLimits(cgroup.version, cgroup.values, asked);
    return { cpus: limits.cpus, memory: limits.memory, pids: limits.pids, ioWeight: false, note: [...limits.notes, swarmNote].join('; ') };
  }

  /** The service's logs from its current task, once it has one, until the task is over. Swarm's
   * follow does not end with the service's task; this source ends once the task is final and
   * the output has been quiet for a moment. */
  async function serviceOutput(serviceId: string, since: Date | undefined): Promise<OutputSource> {
    let closed = false;
    let inner: OutputSource | null = null;
    const quietMs = 300;
    let lastDataAt = clock.now().getTime();
    async function* chunks() {
      // No task running yet (waiting for a node): nothing to read, and swarm's follow of a service
      // without a started task ends at once.
      for (;;) {
        if (closed) return;
        const state = await inspect(serviceId);
        if (state === null || state.status !== 'pending') break;
        await sleep(pollMs);
      }
      const raw = (await call(
        'service logs',
        docker.getService(serviceId).logs({ follow: true, stdout: true, stderr: true, timestamps: true, ...(since ? { since: since.getTime() / 1000 } : {}) }),
      )) as unknown as NodeJS.ReadableStream;
      inner = outputFromStream(raw, true);
      const watcher = (async () => {
        while (!closed) {
          await sleep(250);
          const state = await inspect(serviceId).catch(() => undefined);
          if (state === null || (state && !state.running && state.status !== 'pending' && clock.now().getTime() - lastDataAt >= quietMs)) {
            inner?.close();
            return;
          }
        }
      })();
      try {
        for await (const chunk of inner) {
          lastDataAt = clock.now().getTime();
          yield chunk;
        }
      } finally {
        closed = true;
        inner.close();
        await watcher;
      }
    }
    const iterator = chunks();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close() {
        closed = true;
        inner?.close();
      },
    };
  }

  return {
    placement: true,

    unsupported(spec) {
      return [
        // Swarm 20.10 offers no "none" network to services ("could not find the corresponding
        // predefined swarm network"), and jobs get no address cjm could proxy to.
        ...(spec.network === 'none' ? [{ field: 'network', reason: 'must be "bridge" under the swarm runtime (swarm offers services no "none" network)' }] : []),
        ...(spec.ports.length > 0 ? [{ field: 'ports', reason: 'are not proxied under the swarm runtime (a swarm job has no address cjm can reach)' }] : []),
      ];
    },

    async ping() {
      try {
        await withTimeout('ping', Math.min(callTimeoutMs, 5000), docker.ping());
      } catch (err) {
        throw mapDockerError(err, (e) => new DockerUnavailableError(e));
      }
    },

    pruneNetworks: () => networks.prune(),

    // The image is made sure of (pulled if need be) on the manager; every node must hold it under
    // the same ID (README: "Images on a swarm").

    ensureImage(image, onProgress) {
      return ensureImage(docker, clock, image, onProgress, { call: (what, work) => call(what, work()), stallTimeoutMs: 120_000, progressIntervalMs: 500 });
    },

    async create(job: Job): Promise<string> {
      try {
        const image = (await call('image inspect', docker.getImage(job.image).inspect())) as { Id: string };
        const service = await networks.withNetwork(job.owner, (network) =>
          call(
            'service create',
            docker.createService(serviceSpec(job, { imageId: image.Id, stopGraceSeconds, network, ...(options.instance === undefined ? {} : { instance: options.instance }) }) as never),
          ),
        );
        return (service as { id: string }).id;
      } catch (err) {
        throw mapDockerError(err, (e) => new ContainerStartError(cleanDockerMessage(e), { cause: e }));
      }
    },

    // Swarm starts the task itself once the service exists; wait a moment for it to run, so a job
    // that fits is seen running, and one that does not is left pending with swarm's reason.
    async start(serviceId: string, job: Job): Promise<{ enforced: Enforced; state: ContainerState }> {
      const deadline = clock.now().getTime() + (options.startWaitMs ?? 3000);
      for (;;) {
        const state = await inspect(serviceId);
        if (state === null) throw new ContainerStartError('the service vanished right after it was created');
        if (state.status === 'rejected') throw new ContainerStartError(rejectedReason(job.image, state.error));
        const waitingForRoom = state.status === 'pending' && state.progress?.startsWith('no suitable node') === true;
        if (state.running) return { enforced: state.enforced ?? unverified('the task was not read back'), state };
        if (state.status !== 'pending') return { enforced: unverified('the task ended before cjm saw it running'), state };
        if (waitingForRoom || clock.now().getTime() >= deadline) return { enforced: unverified('the task was not running yet when cjm looked'), state };
        await sleep(50);
      }
    },

    inspect,

    // On the manager's own node the container is stopped with job.stop's timeout; elsewhere the
    // service is scaled to zero, and the grace is the task's, fixed at create. The service (with its
    // task's exit and logs) stays either way.
    async stop(serviceId: string, timeoutSeconds: number): Promise<void> {
      const local = await localContainer(serviceId).catch(() => null);
      if (local !== null) {
        try {
          await withTimeout('container stop', timeoutSeconds * 1000 + callTimeoutMs, docker.getContainer(local).stop({ t: timeoutSeconds }));
          return;
        } catch (err) {
          if (statusCodeOf(err) === 304) return;
          if (statusCodeOf(err) !== 404) throw mapDockerError(err);
        }
      }
      await endByScaleToZero(serviceId, (stopGraceSeconds + 5) * 1000);
    },

    // Immediate where cjm can reach the task's daemon (the manager's node); elsewhere the service is
    // scaled to zero and the task's grace period applies: swarm's API has no kill for a task.
    async kill(serviceId: string): Promise<void> {
      const local = await localContainer(serviceId).catch(() => null);
      if (local !== null) {
        try {
          await call('container kill', docker.getContainer(local).kill({ signal: 'SIGKILL' }));
          return;
        } catch (err) {
          if (statusCodeOf(err) !== 404 && statusCodeOf(err) !== 409) throw err;
        }
      }
      await endByScaleToZero(serviceId, (stopGraceSeconds + 5) * 1000);
    },

    remove,

    // A finished job's service goes once its exit and log are stored: nothing reads it after that, the
    // task watch lists every service twice a second, and a service of one replica left with no task
    // running might be given a new one by swarm (on a reconcile of its orchestrator).
    release: remove,

    async listManaged(): Promise<ManagedContainer[]> {
      const services = (await call('service list', docker.listServices({ filters: { label: managedFilters(options.instance) } }))) as {
        ID: string;
        Spec?: { Labels?: Record<string, string> };
      }[];
      return services.map((s) => ({ containerId: s.ID, jobId: jobIdFromLabel(s.Spec?.Labels?.[jobIdLabel]) }));
    },

    events(handler) {
      return watchTasks({ docker, logger, clock }, handler, { pollMs, ...(options.instance === undefined ? {} : { instance: options.instance }) });
    },

    async info() {
      const [version, nodeList] = await Promise.all([call('version', docker.version()), nodes()]);
      const listed = nodeList.map((n) => ({
        id: n.ID,
        hostname: n.Description?.Hostname ?? '',
        role: n.Spec?.Role === 'manager' ? ('manager' as const) : ('worker' as const),
        state: n.Status?.State ?? 'unknown',
        availability: n.Spec?.Availability ?? 'unknown',
        cpus: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
        memoryMb: Math.floor((n.Description?.Resources?.MemoryBytes ?? 0) / (1024 * 1024)),
      }));
      const usable = listed.filter((n) => n.state === 'ready' && n.availability === 'active');
      return {
        docker: { version: version.Version, apiVersion: version.ApiVersion },
        runtime: `swarm, ${usable.length} of ${listed.length} nodes ready`,
        capacity: { cpus: usable.reduce((s, n) => s + n.cpus, 0), memoryMb: usable.reduce((s, n) => s + n.memoryMb, 0) },
        enforcement: { cpus: true, memory: true, pids: true, ioWeight: false, note: swarmNote },
        nodes: listed,
      };
    },

    async stats(serviceId: string, cpusLimit: number) {
      const local = await localContainer(serviceId);
      if (local === null) throw new StatsUnavailableError("the job's task runs on another swarm node than the manager cjm talks to; its stats are only on that node");
      const sample = (await call('container stats', docker.getContainer(local).stats({ stream: false }))) as DockerStatsSample;
      return computeStats(sample, cpusLimit, clock.now());
    },

    attachOutput(serviceId, attachOptions) {
      return serviceOutput(serviceId, attachOptions.since);
    },
  };
}
