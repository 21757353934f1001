// Where a container's cgroup lives, from /proc/<pid>/cgroup of its init process. That file names the
// path under each hierarchy for both drivers (cgroupfs: /docker/<id>; systemd:
// /system.slice/docker-<id>.scope) and both versions, so nothing here guesses a driver.

export type CgroupVersion = 1 | 2;
export type Controller = 'cpu' | 'memory' | 'pids' | 'blkio';
export const controllers: readonly Controller[] = ['cpu', 'memory', 'pids', 'blkio'];

export interface ProcCgroupLine {
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): ProcCgroupLine[] {
  const lines: ProcCgroupLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const list = line.slice(first + 1, second);
    lines.push({ controllers: list ? list.split(',') : [], path: line.slice(second + 1) });
  }
  return lines;
}

export interface CgroupLocation {
  version: CgroupVersion;
  /** Candidate directories per controller, best first (v1 hierarchies may be mounted as "cpu,cpuacct"
   * with a "cpu" symlink, or alone). For v2 every controller has the one unified directory. */
  dirs: Record<Controller, string[]>;
}

function join(root: string, ...parts: string[]): string {
  const tail = parts.join('/').replace(/\/+/g, '/').replace(/\/$/, '');
  return `${root.replace(/\/$/, '')}${tail.startsWith('/') ? '' : '/'}${tail}`;
}

/** `v2Host` tells whether cgroupRoot is a unified (v2-only) mount, i.e. has cgroup.controllers. On a
 * hybrid v1 host the "0::" line points into /sys/fs/cgroup/unified, which has no limits. */
export function locateCgroup(procCgroup: string, cgroupRoot: string, v2Host: boolean): CgroupLocation | null {
  const lines = parseProcCgroup(procCgroup);
  if (v2Host) {
    const unified = lines.find((l) => l.controllers.length === 0 && !l.path.includes('name='));
    if (!unified) return null;
    const dir = join(cgroupRoot, unified.path);
    return { version: 2, dirs: { cpu: [dir], memory: [dir], pids: [dir], blkio: [dir] } };
  }
  const dirs = {} as Record<Controller, string[]>;
  for (const controller of controllers) {
    const line = lines.find((l) => l.controllers.includes(controller));
    if (!line) return null;
    const mountName = line.controllers.join(',');
    const candidates = [join(cgroupRoot, mountName, line.path)];
    if (mountName !== controller) candidates.push(join(cgroupRoot, controller, line.path));
    dirs[controller] = candidates;
  }
  return { version: 1, dirs };
}

/** The files read back, per version. */
export const cgroupFiles: Record<CgroupVersion, Record<Controller, string[]>> = {
  1: {
    cpu: ['cpu.cfs_quota_us', 'cpu.cfs_period_us'],
    memory: ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes'],
    pids: ['pids.max'],
    blkio: ['blkio.bfq.weight', 'blkio.weight'],
  },
  2: {
    cpu: ['cpu.max'],
    memory: ['memory.max', 'memory.swap.max'],
    pids: ['pids.max'],
    blkio: ['io.bfq.weight', 'io.weight'],
  },
};
