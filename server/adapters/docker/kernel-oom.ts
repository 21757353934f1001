// Docker misses the OOM kill of a process that runs out of memory within milliseconds of starting
// (containerd arms its oom watch after the task starts), and then reports OOMKilled false with exit
// 137. The kernel's log still says which memory cgroup hit its limit, so a 137 exit is checked there.
// /dev/kmsg can only be read forward, one record per read, so the reader keeps one descriptor open and
// reads asynchronously (the thread pool, never the event loop) only what the kernel logged since the
// last check; it keeps the memory cgroups of recent OOM kills and searches them newest first.
import { close, constants, open, read } from 'node:fs';

/** True when a kernel log line records an OOM kill of a process in this container, by the limit of
 * the container's own memory cgroup (cgroup v1 `/docker/<id>`, v2 `/system.slice/docker-<id>.scope`)
 * or of the job's parent cgroup right above it (cgroup-parent.ts), which holds the same limit and is
 * the one the kernel names when its counter trips first. */
export function isOomKillOf(line: string, containerId: string): boolean {
  const kill = oomKillOf(line);
  return kill !== null && killMatches(kill, containerId);
}

interface OomKill {
  /** The memory cgroup whose limit was hit. */
  oomMemcg: string;
  /** The memory cgroup of the process killed. */
  taskMemcg: string;
}

function killMatches(kill: OomKill, containerId: string): boolean {
  if (containerId.length < 12 || !/^[0-9a-f]+$/.test(containerId)) return false;
  const { oomMemcg, taskMemcg } = kill;
  if (!taskMemcg.endsWith(`/${containerId}`) && !taskMemcg.endsWith(`/docker-${containerId}.scope`)) return false;
  // Its own limit or its job's parent: not an ancestor's shared limit (that is not the job's doing).
  return oomMemcg === taskMemcg || oomMemcg === taskMemcg.slice(0, taskMemcg.lastIndexOf('/'));
}

/** The memory cgroups of an OOM-kill record, or null for any other record. */
function oomKillOf(line: string): OomKill | null {
  if (!line.includes('oom-kill:')) return null;
  const oomMemcg = /\boom_memcg=([^,\s]+)/.exec(line)?.[1];
  const taskMemcg = /\btask_memcg=([^,\s]+)/.exec(line)?.[1];
  return oomMemcg && taskMemcg ? { oomMemcg, taskMemcg } : null;
}

export interface KernelOomCheck {
  /** Whether the kernel log holds an OOM kill for the container; false when it cannot be read. */
  wasOomKilled(containerId: string): Promise<boolean>;
}

export interface KernelOomOptions {
  kmsgPath?: string;
  /** Records read per check at most: the first check reads the kernel's whole ring. */
  maxRecords?: number;
  /** OOM kills remembered. */
  keep?: number;
}

const openAsync = (path: string) =>
  new Promise<number>((resolve, reject) => open(path, constants.O_RDONLY | constants.O_NONBLOCK, (err, fd) => (err ? reject(err) : resolve(fd))));
const readAsync = (fd: number, buf: Buffer) => new Promise<number>((resolve, reject) => read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));

export function createKernelOomCheck(options: KernelOomOptions = {}): KernelOomCheck {
  const path = options.kmsgPath ?? '/dev/kmsg';
  const maxRecords = options.maxRecords ?? 20_000;
  const keep = options.keep ?? 1024;
  const kills: OomKill[] = [];
  const buf = Buffer.alloc(8192);
  let fd: number | null = null;
  let unreadable = false;
  let draining: Promise<void> | null = null;

  const drainOnce = async () => {
    if (unreadable) return;
    if (fd === null) {
      try {
        fd = await openAsync(path);
      } catch {
        unreadable = true; // not root, or no kernel log here
        return;
      }
    }
    for (let i = 0; i < maxRecords; i++) {
      let n: number;
      try {
        n = await readAsync(fd, buf);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // a record was overwritten meanwhile
        if (code !== 'EAGAIN') {
          close(fd, () => undefined);
          fd = null;
        }
        return; // EAGAIN: all read
      }
      if (n <= 0) return;
      // One record per read from /dev/kmsg; a plain file standing in for it gives many.
      for (const line of buf.toString('utf8', 0, n).split('\n')) {
        const kill = oomKillOf(line);
        if (kill === null) continue;
        kills.push(kill);
        if (kills.length > keep) kills.shift();
      }
    }
  };
  // One read at a time; a check that arrives during one waits for it, which reads to the end.
  const drain = () => {
    draining ??= drainOnce().finally(() => {
      draining = null;
    });
    return draining;
  };

  return {
    async wasOomKilled(containerId) {
      await drain();
      for (let i = kills.length - 1; i >= 0; i--) if (killMatches(kills[i]!, containerId)) return true;
      return false;
    },
  };
}
