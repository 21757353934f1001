// JobRuntime over dockerode: the one place cjm talks to Docker.
import { createKernelOomCheck } from './kernel-oom.js';
import type Docker from 'dockerode';
import { ContainerStartError, ImageUnavailableError } from '../../core/errors.js';
import type { Clock, ContainerState, JobRuntime, Logger, ManagedContainer } from '../../core/ports.js';
import type { Enforced, Job } from '../../protocol/index.js';
import { hostControllers, type ContainerCgroup } from './cgroup-io.js';
import { createSystemClock } from '../../core/clock.js';
import { containerConfig, containerName, jobIdLabel, managedFilters, userNetworkLabel } from './container-config.js';
import { containerState, type DockerNetworkSettings, type DockerState } from './container-state.js';
import { blkioDiscarded, createEnforcementChecker, judgeCgroup, type InspectedContainer } from './enforcement.js';
import type { IoWeightVerdict } from './io-weight.js';
import { createDockerGate } from './call-gate.js';
import { cleanDockerMessage, mapDockerError, statusCodeOf } from './errors.js';
import { jobIdFromLabel } from './event-map.js';
import { createJobCgroups } from './job-cgroups.js';
import { watchEvents, type EventSource } from './events.js';
import { createOutputSource } from './output.js';
import { ensureImage } from './pull.js';
import { computeStats, type DockerStatsSample } from './stats.js';
import { applyHostAccess, systemIptables, type Iptables } from './host-access.js';
import { createUserNetworks } from './user-networks.js';

/** The owner's network a bridge job joins. */
type UserNetwork = { id: string; name: string };

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
  /** cjm's per-job log cap; Docker's own copy of the output is sized from it (default 64 MiB). */
  logMaxBytes?: number;
  /** Create, start, stop, kill and remove calls in flight at once (default 32); the rest wait. */
  concurrency?: number;
  /** Docker is unreachable once it has answered no ping for this long (default 60 s); a slower call
   * is waited for while pings are answered. */
  unreachableAfterMs?: number;
  /** While calls are outstanding, Docker is pinged this often (default 2 s). */
  pingIntervalMs?: number;
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
/** What create() verified, kept until start() reads it; bounded in case a start never comes. */
const maxPending = 1000;

export function createDockerRuntime(deps: DockerRuntimeDeps, options: DockerRuntimeOptions = {}): JobRuntime {
  const { docker, logger } = deps;
  const clock = deps.clock ?? createSystemClock();
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const unreachableAfterMs = options.unreachableAfterMs ?? 60_000;
  const logMaxBytes = options.logMaxBytes ?? 64 * 1024 * 1024;
  /** Per created container: its parent cgroup as read back before start (limits but the CPU quota,
   * which start() writes) with the IO weight's verdict, or why none could be prepared (start() then
   * reads the container's own cgroup). */
  const prepared = new Map<string, { cgroup: ContainerCgroup; io: IoWeightVerdict } | { error: string }>();
  const remember = <K, V>(map: Map<K, V>, key: K, value: V, max: number) => {
    map.set(key, value);
    if (map.size > max) map.delete(map.keys().next().value as K);
  };

  const gate = createDockerGate(
    { ping: () => docker.ping(), clock },
    {
      concurrency: options.concurrency ?? 32,
      pingIntervalMs: options.pingIntervalMs ?? 2000,
      pingTimeoutMs: Math.min(unreachableAfterMs, 5000),
      unreachableAfterMs,
    },
  );
  const { call, slot } = gate;
  const kernelOom = createKernelOomCheck({ ...(options.kmsgPath === undefined ? {} : { kmsgPath: options.kmsgPath }) });
  // A 137 after cjm's own stop or timeout is that kill, never the OOM killer: no kernel log read.
  const stoppedByUs = new Map<string, true>();
  // A finished container's answer never changes; remember the last few so repeated inspects of one
  // exit read the kernel log once.
  const oomAnswers = new Map<string, Promise<boolean>>();
  const oomFromKernel = (containerId: string): Promise<boolean> => {
    let answer = oomAnswers.get(containerId);
    if (answer === undefined) {
      answer = kernelOom.wasOomKilled(containerId);
      remember(oomAnswers, containerId, answer, 256);
    }
    return answer;
  };
  const dockerInfo = () => call('info', () => docker.info() as Promise<{ DockerRootDir?: string; NCPU?: number; MemTotal?: number; DefaultRuntime?: string; CgroupVersion?: string; CgroupDriver?: string; CpuCfsQuota?: boolean; MemoryLimit?: boolean; SwapLimit?: boolean; PidsLimit?: boolean }>);

  const jobCgroups = createJobCgroups(
    { logger, cgroupDriver: async () => (await dockerInfo()).CgroupDriver },
    { cgroupRoot, remembered: maxPending, ...(options.instance === undefined ? {} : { instance: options.instance }) },
  );

  const enforcement = createEnforcementChecker(
    {
      logger,
      dataRoot: async () => (await dockerInfo()).DockerRootDir ?? '/var/lib/docker',
    },
    { cgroupRoot, sysBlockRoot: options.sysBlockRoot ?? '/sys/block', procRoot: options.procRoot ?? '/proc' },
  );

  type Inspected = InspectedContainer & { Id: string; State: DockerState & { Pid?: number }; Config?: { Labels?: Record<string, string> }; HostConfig: { CgroupParent?: string } };
  /** The last answers for containers that have exited: a quick job's end is looked at by its start,
   * its log capture and its die event, and an exit never changes (cjm never starts a container twice).
   * Not a 137: after one, the exit is looked at again to tell a `docker rm -f` (gone) from a kill.
   * Dropped on remove. */
  const exitedAnswers = new Map<string, Inspected>();
  const inspectRaw = async (containerId: string): Promise<Inspected | null> => {
    const known = exitedAnswers.get(containerId);
    if (known !== undefined) return known;
    try {
      const inspected = (await call('container inspect', () => docker.getContainer(containerId).inspect())) as Inspected;
      const exited = inspected.State.Status === 'exited' || inspected.State.Status === 'dead';
      if (exited && inspected.State.ExitCode !== 137 && inspected.Id === containerId) remember(exitedAnswers, containerId, inspected, 256);
      return inspected;
    } catch (err) {
      if (statusCodeOf(err) === 404) return null;
      throw mapDockerError(err);
    }
  };

  const stateOf = async (inspected: { Id: string; State: DockerState; NetworkSettings?: DockerNetworkSettings }): Promise<ContainerState> => {
    const state = containerState(inspected.State, inspected.NetworkSettings);
    if (state.exitCode === 137 && !state.oomKilled && !stoppedByUs.has(inspected.Id)) state.oomKilled = await oomFromKernel(inspected.Id);
    return state;
  };

  // dockerode's createContainer drops Docker's Warnings, which is where a discarded BlkioWeight is
  // reported; dial the endpoint directly to keep them.
  const networks = createUserNetworks(
    { docker, logger, call, beforeFirstUse: () => applyHostAccess(options.iptables ?? systemIptables, options.jobsReachHost ?? false) },
    options.instance === undefined ? {} : { instance: options.instance },
  );

  const createContainer = (
    job: Job,
    cgroupParent: string | undefined,
    userNetwork: UserNetwork | undefined,
    report: (progress: string) => Promise<void>,
  ): Promise<CreateResponse> => {
    let waited = false;
    const onWait = (ahead: number) => {
      waited = true;
      void report(`waiting for Docker: ${ahead} calls ahead`);
    };
    const dial = async () => {
      // Stored while Docker creates: create() waits for its reports before it returns.
      if (waited) void report('creating container');
      return new Promise<CreateResponse>((resolve, reject) => {
        (docker.modem as { dial(o: object, cb: (err: unknown, data: unknown) => void): void }).dial(
          {
            path: '/containers/create?',
            method: 'POST',
            options: {
              _query: { name: containerName(job, options.instance) },
              _body: containerConfig(job, {
                logMaxBytes,
                ...(options.instance === undefined ? {} : { instance: options.instance }),
                ...(cgroupParent === undefined ? {} : { cgroupParent }),
                ...(userNetwork ? { userNetwork } : {}),
              }),
            },
            statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
          },
          (err, data) => (err ? reject(err) : resolve(data as CreateResponse)),
        );
      });
    };
    return slot('container create', dial, { onWait });
  };

  const removeUnstartedLeftover = async (job: Job): Promise<boolean> => {
    const existing = await inspectRaw(containerName(job, options.instance));
    if (existing === null || existing.Config?.Labels?.[jobIdLabel] !== String(job.id) || existing.State.Status !== 'created') return false;
    logger.warn({ jobId: job.id, containerId: existing.Id }, 'removing a never-started container left from an earlier create');
    try {
      await slot('container remove', () => docker.getContainer(existing.Id).remove({ force: true, v: true }), { urgent: true });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw mapDockerError(err);
    }
    return true;
  };

  /** Images seen here (inspected or pulled): a launch does not ask Docker again. One removed since
   * shows up as the create's 404, and is pulled then (pulledAgain). */
  const seenImages = new Map<string, true>();
  const pulledAgain = async (image: string, err: unknown, report: (progress: string) => Promise<void>): Promise<boolean> => {
    if (statusCodeOf(err) !== 404 || !/no such image/i.test(cleanDockerMessage(err))) return false;
    seenImages.delete(image);
    await ensureImagePresent(image, (progress) => void report(progress));
    return true;
  };
  const ensureImagePresent = async (image: string, onProgress: (progress: string) => void): Promise<void> => {
    if (seenImages.has(image)) return;
    await ensureImage(docker, clock, image, onProgress, {
      call,
      stallTimeoutMs: options.pullStallTimeoutMs ?? 120_000,
      progressIntervalMs: 500,
    });
    remember(seenImages, image, true, 256);
  };

  /** Creates the container under the job's parent cgroup (when there is one), preparing the parent
   * meanwhile; remembers what was verified for start(). */
  const createUnder = async (withParent: boolean, job: Job, userNetwork: UserNetwork | undefined, report: (progress: string) => Promise<void>): Promise<string> => {
    const cgroupParent = withParent ? jobCgroups.parentPath(job.id) : undefined;
    // The parent is made and read back while Docker creates the container: neither waits for the other.
    const parent = jobCgroups.prepare(job);
    const failed = async (err: unknown) => {
      await parent;
      if (cgroupParent !== undefined) await jobCgroups.remove(cgroupParent);
      return mapDockerError(err, startError);
    };
    let response: CreateResponse;
    try {
      response = await createContainer(job, cgroupParent, userNetwork, report);
    } catch (err) {
      // Tried once more when a container of this very job that was created but never started (the
      // server stopped in between) holds the name, or when the image was removed since it was seen.
      let again: boolean;
      try {
        again = (statusCodeOf(err) === 409 && (await removeUnstartedLeftover(job))) || (await pulledAgain(job.image, err, report));
      } catch (recovering) {
        const mapped = await failed(recovering);
        throw recovering instanceof ImageUnavailableError ? recovering : mapped;
      }
      if (!again) throw await failed(err);
      try {
        response = await createContainer(job, cgroupParent, userNetwork, report);
      } catch (again) {
        throw await failed(again);
      }
    }
    const list = (response.Warnings ?? []).filter(Boolean);
    if (list.length > 0) logger.info({ containerId: response.Id, warnings: list }, 'docker create warnings');
    const cgroup = await parent;
    const verified = 'error' in cgroup ? cgroup : { cgroup, io: await enforcement.applyIoWeight(job, cgroup, blkioDiscarded(list, job.ioWeight)) };
    remember(prepared, response.Id, verified, maxPending);
    return response.Id;
  };

  const listManaged = async (): Promise<ManagedContainer[]> => {
    let list: Docker.ContainerInfo[];
    const mark = jobCgroups.mark();
    try {
      list = await call('container list', () => docker.listContainers({ all: true, filters: { label: managedFilters(options.instance) } }));
    } catch (err) {
      throw mapDockerError(err);
    }
    // Ids and labels only: the reconciler inspects just the containers of active jobs, so a
    // periodic reconcile costs one list call however many finished containers are kept.
    const managed = list.map((c) => ({ containerId: c.Id, jobId: jobIdFromLabel(c.Labels?.[jobIdLabel]) }));
    // The reconciler lists containers at start and periodically: the time to clear parent cgroups
    // whose container is gone (removed by hand, or while the server was down).
    await jobCgroups.sweep(managed.map((c) => c.jobId), mark).catch((err: unknown) => logger.warn({ err }, 'sweeping parent cgroups failed'));
    return managed;
  };

  return {
    ping: gate.ping,

    ensureImage: ensureImagePresent,

    async create(job: Job, onProgress?: (progress: string) => unknown): Promise<string> {
      // One report after the other, so that the job's progress is stored in the order it was made.
      let reported = Promise.resolve();
      const report = (progress: string) =>
        (reported = reported
          .then(() => onProgress?.(progress))
          .then(
            () => undefined,
            (err: unknown) => logger.warn({ jobId: job.id, err }, 'reporting progress failed'),
          ));
      let withParent: boolean;
      try {
        withParent = await jobCgroups.enabled();
      } catch (err) {
        throw mapDockerError(err, startError);
      }
      try {
        // Bridge jobs join their owner's own network, never Docker's shared default bridge.
        return await jobCgroups.creating(job.id, () =>
          job.network === 'bridge'
            ? networks.withNetwork(job.owner, (net) => createUnder(withParent, job, net, report))
            : createUnder(withParent, job, undefined, report),
        );
      } finally {
        // Every progress reported is stored before the caller's next step stores its own.
        await reported;
      }
    },

    async start(containerId: string, job: Job): Promise<{ enforced: Enforced; state: ContainerState }> {
      const startOnce = async () => {
        try {
          await slot('container start', () => docker.getContainer(containerId).start(), { urgent: true });
        } catch (err) {
          if (statusCodeOf(err) !== 304) throw err;
        }
      };
      try {
        await startOnce();
      } catch (err) {
        // dockerd stalled in the middle of the start (frozen, swamped) and containerd gave up waiting
        // for it: Docker would have started the container, which is still there, created. Once more.
        if (!/context deadline exceeded/.test(cleanDockerMessage(err))) throw mapDockerError(err, startError);
        logger.warn({ jobId: job.id, containerId, err: cleanDockerMessage(err) }, 'Docker gave up on a container start while stalled; starting it again');
        await startOnce().catch((again: unknown) => {
          throw mapDockerError(again, startError);
        });
      }
      const before = prepared.get(containerId);
      prepared.delete(containerId);
      const parent = before !== undefined && 'cgroup' in before ? before : undefined;
      // The parent outlives its container, so even a job already gone has its quota written and read.
      const [inspected, limited] = await Promise.all([inspectRaw(containerId), parent && jobCgroups.limitCpu(parent.cgroup, job)]);
      if (inspected === null) throw new ContainerStartError('the container vanished right after it started');
      const state = await stateOf(inspected);
      if (parent && limited) {
        if (!('error' in limited)) return { enforced: judgeCgroup(job, limited, parent.io), state };
        const enforced = judgeCgroup(job, parent.cgroup, parent.io);
        return { enforced: { ...enforced, note: [limited.error, enforced.note].filter(Boolean).join('; ') }, state };
      }
      // No parent: read the container's own cgroup, which a quick job may already have left.
      const enforced = await enforcement.verify(job, inspected, []);
      if (before !== undefined && 'error' in before && enforced.note !== undefined) enforced.note = `${before.error}; ${enforced.note}`;
      return { enforced, state };
    },

    async inspect(containerId: string): Promise<ContainerState | null> {
      const inspected = await inspectRaw(containerId);
      return inspected === null ? null : stateOf(inspected);
    },

    async stop(containerId: string, timeoutSeconds: number): Promise<void> {
      remember(stoppedByUs, containerId, true, 1024);
      try {
        await slot('container stop', () => docker.getContainer(containerId).stop({ t: timeoutSeconds }), { urgent: true });
      } catch (err) {
        const code = statusCodeOf(err);
        if (code === 304 || code === 404) return;
        throw mapDockerError(err);
      }
    },

    async kill(containerId: string): Promise<void> {
      remember(stoppedByUs, containerId, true, 1024);
      try {
        await slot('container kill', () => docker.getContainer(containerId).kill({ signal: 'SIGKILL' }), { urgent: true });
      } catch (err) {
        const code = statusCodeOf(err);
        // 409: not running (exited already, or never started).
        if (code === 404 || code === 409) return;
        throw mapDockerError(err);
      }
    },

    async remove(containerId: string): Promise<void> {
      prepared.delete(containerId);
      exitedAnswers.delete(containerId);
      // The job's parent cgroup and its owner's network go with its container. A container already
      // gone (removed by hand) no longer names its parent: sweep then, as a reconcile would.
      const withParents = await jobCgroups.enabled().catch((err: unknown) => {
        throw mapDockerError(err);
      });
      const inspected = await inspectRaw(containerId);
      const network = inspected?.Config?.Labels?.[userNetworkLabel];
      try {
        await slot('container remove', () => docker.getContainer(containerId).remove({ force: true, v: true }), { urgent: true });
      } catch (err) {
        const code = statusCodeOf(err);
        // 409: a removal is already in progress; the container is going either way.
        if (code !== 404 && !(code === 409 && /already in progress/i.test(cleanDockerMessage(err)))) throw mapDockerError(err);
      }
      // Gone with its owner's last container, and only then (release checks under the network's lock).
      if (network !== undefined) await networks.release(network);
      if (!withParents) return;
      if (inspected === null) await listManaged();
      else await jobCgroups.remove(inspected.HostConfig.CgroupParent ?? '');
    },

    pruneNetworks: () => networks.prune(),

    listManaged,

    events(handler) {
      return watchEvents(docker as unknown as EventSource, handler, { logger, clock }, { ...options.events, ...(options.instance === undefined ? {} : { instance: options.instance }) });
    },

    async info() {
      let version: Docker.DockerVersion;
      let info: Awaited<ReturnType<typeof dockerInfo>>;
      try {
        [version, info] = await Promise.all([call('version', () => docker.version()), dockerInfo()]);
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
        sample = (await call('container stats', () => docker.getContainer(containerId).stats({ stream: false }))) as DockerStatsSample;
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
