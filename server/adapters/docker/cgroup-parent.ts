// A per-job parent cgroup that cjm prepares before the container starts (cgroupfs driver, v1 or v2):
// its limits and IO weight hold from the container's first instruction, and reading them back cannot
// race a quick job. Docker creates the container under it via HostConfig.CgroupParent. On the systemd
// driver the parent would be a slice that systemd owns and resets, so none is made there.
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import type { Job } from '../../protocol/index.js';
import { readCgroupFile, writeCgroupFile, type ContainerCgroup } from './cgroup-io.js';
import type { CgroupValues } from './cgroup-limits.js';
import { cgroupFiles, controllers, type CgroupVersion, type Controller } from './cgroup-paths.js';
import { mib } from './container-config.js';

/** "cjm-job-12", or "cjm-<instance>-job-12" when servers share a dockerd (their job ids overlap). */
export function parentName(jobId: number, instance?: string): string {
  return instance === undefined ? `cjm-job-${jobId}` : `cjm-${instance}-job-${jobId}`;
}

/** The job id in a parent's name, or null when the name is not one of this server's parents. */
export function jobIdOfParent(name: string, instance?: string): number | null {
  const prefix = instance === undefined ? 'cjm-job-' : `cjm-${instance}-job-`;
  if (!name.startsWith(prefix)) return null;
  const rest = name.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : null;
}

export interface LimitWrite {
  controller: Controller;
  file: string;
  value: string;
}

/** Docker's own rounding of NanoCpus to a CFS quota (integer division), so the container's quota
 * never exceeds its parent's (cgroup v1 refuses that). */
export function cfsQuota(cpus: number, periodUs = 100_000): number {
  return Math.floor((Math.round(cpus * 1e9) * periodUs) / 1e9);
}

/** The memory and pids limit files to write before start, in an order the kernel accepts (v1: memory
 * before memory+swap). The CPU quota (parentCpuWrites) comes after start; the IO weight separately:
 * which file depends on what the kernel offers. */
export function parentLimitWrites(version: CgroupVersion, job: Pick<Job, 'memoryMb' | 'pidsLimit'>, hasSwapFile: boolean): LimitWrite[] {
  const memory = String(job.memoryMb * mib);
  if (version === 1) {
    return [
      { controller: 'memory', file: 'memory.limit_in_bytes', value: memory },
      ...(hasSwapFile ? [{ controller: 'memory' as const, file: 'memory.memsw.limit_in_bytes', value: memory }] : []),
      { controller: 'pids', file: 'pids.max', value: String(job.pidsLimit) },
    ];
  }
  return [
    { controller: 'memory', file: 'memory.max', value: memory },
    ...(hasSwapFile ? [{ controller: 'memory' as const, file: 'memory.swap.max', value: '0' }] : []),
    { controller: 'pids', file: 'pids.max', value: String(job.pidsLimit) },
  ];
}

/** The CPU quota, written just after start. Written before, it throttles runc's own setup of the
 * container (mounts, namespaces) to the job's share: +65 ms per start at 0.1 CPU measured here. Docker
 * gives the container's own cgroup the same quota before the command runs, so the command is held to
 * it from its first instruction either way; the parent's copy is what cjm reads back. */
export function parentCpuWrites(version: CgroupVersion, job: Pick<Job, 'cpus'>): LimitWrite[] {
  if (version === 1) {
    return [
      { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
      { controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(cfsQuota(job.cpus)) },
    ];
  }
  return [{ controller: 'cpu', file: 'cpu.max', value: `${cfsQuota(job.cpus)} 100000` }];
}

/** v2: the controllers a parent hands down to the container's cgroup. */
const v2Controllers = '+cpu +memory +pids +io';

function readDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface CgroupParents {
  /** Creates the job's parent, writes its memory and pids limits and reads every limit back. Throws
   * when it cannot be made (not root, no cgroupfs): the caller then says the limits are not verified. */
  prepare(job: Job): Promise<ContainerCgroup>;
  /** After start: writes the CPU quota to a prepared parent and reads it back into its values. */
  limitCpu(cgroup: ContainerCgroup, job: Job): Promise<ContainerCgroup>;
  /** Removes the parent in every hierarchy; false while something still runs in it. */
  remove(name: string): Promise<boolean>;
  /** Names of this server's parents that exist now. */
  list(): Promise<string[]>;
}

export function createCgroupParents(options: { cgroupRoot: string; version: CgroupVersion; instance?: string }): CgroupParents {
  const { cgroupRoot, version } = options;
  // v1: /sys/fs/cgroup/<controller> is the hierarchy, or a symlink to a joined one ("cpu,cpuacct").
  const dirOf = (controller: Controller, name: string) => (version === 1 ? path.join(cgroupRoot, controller, name) : path.join(cgroupRoot, name));

  const readValues = async (dirs: Record<Controller, string>): Promise<CgroupValues> => {
    const values: CgroupValues = {};
    for (const controller of controllers) for (const file of cgroupFiles[version][controller]) values[file] = await readCgroupFile(dirs[controller], file);
    return values;
  };

  // Every hierarchy runc creates the parent in (cpuset, devices, freezer... too on v1). Read once: the
  // host's hierarchies are mounted at boot, and every create and remove needs them.
  let known: Promise<string[]> | null = null;
  const readHierarchies = async (): Promise<string[]> => {
    if (version === 2) return [cgroupRoot];
    const entries = readdirSync(cgroupRoot, { withFileTypes: true });
    // Symlinks ("cpu" -> "cpu,cpuacct") name a hierarchy listed already; "unified" (hybrid hosts) is
    // one more place runc creates it.
    return entries.filter((e) => e.isDirectory()).map((e) => path.join(cgroupRoot, e.name));
  };
  const hierarchies = (): Promise<string[]> => {
    known ??= readHierarchies().catch(() => {
      known = null;
      return [];
    });
    return known;
  };

  return {
    async prepare(job) {
      const name = parentName(job.id, options.instance);
      const dirs = Object.fromEntries(controllers.map((c) => [c, dirOf(c, name)])) as Record<Controller, string>;
      // Synchronous calls, for the reason cgroup-io.ts gives.
      for (const dir of new Set(Object.values(dirs))) mkdirSync(dir, { recursive: true });
      // v1: runc makes the parent in every other hierarchy too (cpuset, devices, freezer...) when the
      // container starts; made here, start has less to do. Only a saving: runc makes whichever is missing.
      if (version === 1) {
        for (const h of await hierarchies()) {
          try {
            mkdirSync(path.join(h, name), { recursive: true });
          } catch {
            // runc makes whichever is missing, or says why it cannot
          }
        }
      }
      if (version === 2) await writeCgroupFile(dirs.cpu, 'cgroup.subtree_control', v2Controllers);
      const swapFile = version === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max';
      const hasSwapFile = (await readCgroupFile(dirs.memory, swapFile)) !== undefined;
      for (const w of parentLimitWrites(version, job, hasSwapFile)) await writeCgroupFile(dirs[w.controller], w.file, w.value);
      const values = await readValues(dirs);
      return { version, values, dirs };
    },

    async limitCpu(cgroup, job) {
      const dir = cgroup.dirs.cpu;
      if (dir === undefined) throw new Error('the parent has no cpu controller');
      for (const w of parentCpuWrites(version, job)) await writeCgroupFile(dir, w.file, w.value);
      const values = { ...cgroup.values };
      for (const file of cgroupFiles[version].cpu) values[file] = await readCgroupFile(dir, file);
      return { ...cgroup, values };
    },

    async remove(name) {
      let gone = true;
      for (const h of await hierarchies()) {
        try {
          rmdirSync(path.join(h, name));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT') gone = false;
        }
      }
      return gone;
    },

    async list() {
      // Every hierarchy: one whose removal was cut short may be left in some of them only.
      const names = new Set<string>();
      for (const h of await hierarchies()) for (const n of readDir(h)) if (jobIdOfParent(n, options.instance) !== null) names.add(n);
      return [...names];
    },
  };
}
