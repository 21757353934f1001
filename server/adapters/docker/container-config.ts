// Job -> Docker's container-create body. Pure, so the limits and security defaults are unit-tested.
import type Docker from 'dockerode';
import type { Job } from '../../protocol/index.js';

export const managedLabel = 'cjm.managed';
export const jobIdLabel = 'cjm.job-id';
export const jobNameLabel = 'cjm.job-name';
/** Optional: which cjm installation owns the container, so servers sharing one dockerd (tests, or
 * several installs) reconcile only their own. */
export const instanceLabel = 'cjm.instance';
/** On a bridge job's container: its owner's network, released when the container is removed. */
export const userNetworkLabel = 'cjm.user-network';

export interface ContainerConfigOptions {
  /** cjm's per-job log cap (CJM_LOG_MAX_BYTES): Docker's own copy is sized from it (dockerLogConfig). */
  logMaxBytes: number;
  /** Sets the cjm.instance label. */
  instance?: string;
  /** The job's parent cgroup, prepared by cjm with the limits already in place. */
  cgroupParent?: string;
  /** The owner's network (user-networks.ts) for a bridge job: joined by id, which is unambiguous
   * even if Docker holds two networks of one name, and named in a label for the removal. */
  userNetwork?: { id: string; name: string };
}

/** "cjm-12-web", or "cjm-<instance>-12-web": servers sharing one dockerd number their jobs from 1
 * each, and a name taken by another's container would refuse the create. */
export function containerName(job: Pick<Job, 'id' | 'name'>, instance?: string): string {
  return instance === undefined ? `cjm-${job.id}-${job.name}` : `cjm-${instance}-${job.id}-${job.name}`;
}

/** cmd runs under /bin/sh -c (never bash: alpine and busybox have none); argv is exec form and
 * replaces the image's entrypoint, so what the user wrote is exactly what runs. */
export function commandFor(job: Pick<Job, 'cmd' | 'argv'>): { Entrypoint: string[]; Cmd: string[] } {
  if (job.argv && job.argv.length > 0) {
    const [program, ...rest] = job.argv as [string, ...string[]];
    return { Entrypoint: [program], Cmd: rest };
  }
  if (job.cmd !== null && job.cmd !== undefined) return { Entrypoint: ['/bin/sh', '-c'], Cmd: [job.cmd] };
  throw new Error('job has neither cmd nor argv');
}

export const mib = 1024 * 1024;

/** The most bytes Docker's `local` log driver stores per byte of output. Each line is one record: a
 * 4-byte length before and after, the stream name (8) and the nanosecond time (10), then the line
 * without its newline (omitted when empty). An empty line is 1 byte of output in 26 bytes (measured
 * on dockerd 20.10: 1,000,000 newlines -> 26,000,000 bytes; `seq` output ~4.9x; long lines ~1x). */
export const localLogBytesPerByte = 26;

/** Docker's own copy of a job's output, which a capture replays to resume exactly (skipping, per
 * stream, the bytes cjm already stored) after a server restart or a broken stream. It must never
 * rotate before the job has written cjm's whole cap, whatever the shape of the output: rotation drops
 * the start the byte counts are relative to, and Docker 20.10's follow can stall at a rotation. So:
 * the `local` driver (byte-exact, 26x at worst against json-file's 71x) in one file sized for the
 * worst case. The slack covers partial-line records: their metadata (~100 bytes) comes with at least
 * 16 KiB of line, or once per stream at the end of the output. Sizes in plain bytes: the driver reads "2m" as
 * 2,000,000. Docker only uses what the job writes; the cap is a bound, not a reservation. */
export function dockerLogConfig(logMaxBytes: number): { Type: string; Config: Record<string, string> } {
  const maxSize = localLogBytesPerByte * logMaxBytes + mib;
  return { Type: 'local', Config: { 'max-size': String(maxSize), 'max-file': '1', compress: 'false' } };
}

/** Docker label filters that select this installation's containers. */
export function managedFilters(instance: string | undefined): string[] {
  return [`${managedLabel}=true`, ...(instance === undefined ? [] : [`${instanceLabel}=${instance}`])];
}

export function containerConfig(job: Job, options: ContainerConfigOptions): Docker.ContainerCreateOptions {
  const memory = job.memoryMb * mib;
  return {
    Image: job.image,
    ...commandFor(job),
    Env: Object.entries(job.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [managedLabel]: 'true',
      [jobIdLabel]: String(job.id),
      [jobNameLabel]: job.name,
      ...(options.instance === undefined ? {} : { [instanceLabel]: options.instance }),
      ...(options.userNetwork === undefined ? {} : { [userNetworkLabel]: options.userNetwork.name }),
    },
    // Declared, never published on the host: the server proxies them (owner and admin only).
    ...(job.ports.length > 0 ? { ExposedPorts: Object.fromEntries(job.ports.map((p) => [`${p}/tcp`, {}])) } : {}),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      NanoCpus: Math.round(job.cpus * 1e9),
      Memory: memory,
      // Equal to Memory: no swap beyond the limit.
      MemorySwap: memory,
      PidsLimit: job.pidsLimit,
      // Docker drops this on kernels without CFQ (with a create warning); the runtime applies it
      // through the bfq weight of the job's parent cgroup instead.
      BlkioWeight: job.ioWeight,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['NET_RAW'],
      // Docker's init (tini) as process 1 forwards SIGTERM to the command: `sh -c` as process 1
      // would ignore it, and every stop would wait out the timeout and end in SIGKILL.
      Init: true,
      Privileged: false,
      Binds: [],
      Mounts: [],
      NetworkMode: options.userNetwork?.id ?? job.network,
      LogConfig: dockerLogConfig(options.logMaxBytes),
      AutoRemove: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      ...(options.cgroupParent === undefined ? {} : { CgroupParent: options.cgroupParent }),
    },
  };
}
