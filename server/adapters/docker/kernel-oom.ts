// Docker misses the OOM kill of a process that runs out of memory within milliseconds of starting
// (containerd arms its oom watch after the task starts), and then reports OOMKilled false with exit
// 137. The kernel's log still says which memory cgroup hit its limit, so a 137 exit is checked there.
// /dev/kmsg can only be read forward, one record per read, so the reader keeps one descriptor open and
// reads asynchronously (the thread pool, never the event loop) only what the kernel logged since the
// last check; it keeps the memory cgroups of recent OOM kills and searches them newest first.
import { close, constants, open, read } from 'node:fs';

/** True when a kernel log line records an OOM kill inside this container's memory cgroup
 * (cgroup v1 `/docker/<id>`, v2 `/system.slice/docker-<id>.scope` or `/docker/<id>`). */
export function isOomKillOf(line: string, containerId: string): boolean {
  const memcg = oomMemcgOf(line);
  return memcg !== null && memcgMatches(memcg, containerId);
}

function memcgMatches(memcg: string, containerId: string): boolean {
  if (containerId.length < 12 || !/^[0-9a-f]+$/.test(containerId)) return false;
  return memcg.endsWith(`/${containerId}`) || memcg.endsWith(`/docker-${containerId}.scope`);
}

/** `oom_memcg` of an OOM-kill record, or null for any other record. */
export function oomMemcgOf(line: string): string | null {
  return /oom-kill:.*\boom_memcg=(\S+?)(?:,|\s|$)/.exec(line)?.[1] ?? null;
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
  const memcgs: string[] = [];
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
        const memcg = oomMemcgOf(line);
        if (memcg === null) continue;
        memcgs.push(memcg);
        if (memcgs.length > keep) memcgs.shift();
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
      for (let i = memcgs.length - 1; i >= 0; i--) if (memcgMatches(memcgs[i]!, containerId)) return true;
      return false;
    },
  };
}
