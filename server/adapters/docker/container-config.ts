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
  /** json-file max-size, so Docker's own copy of the output stays bounded (we keep our own). */
  logMaxSize: string;
  /** Sets the cjm.instance label. */
  instance?: string;
  /** The owner's network (user-networks.ts) for a bridge job: joined by id, which is unambiguous
   * even if Docker holds two networks of one name, and named in a label for the removal. */
  userNetwork?: { id: string; name: string };
}

export function containerName(job: Pick<Job, 'id' | 'name'>): string {
  return `cjm-${job.id}-${job.name}`;
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
      // Docker drops this on kernels without CFQ (with a create warning); start() applies it through
      // the cgroup's bfq weight instead.
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
      LogConfig: { Type: 'json-file', Config: { 'max-size': options.logMaxSize, 'max-file': '1' } },
      AutoRemove: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    },
  };
}
