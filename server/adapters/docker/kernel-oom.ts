// Docker misses the OOM kill of a process that runs out of memory within milliseconds of starting
// (containerd arms its oom watch after the task starts), and then reports OOMKilled false with exit
// 137. The kernel's log still says which memory cgroup hit its limit, so a 137 exit is checked there.
import { closeSync, openSync, readSync, constants } from 'node:fs';

/** True when a kernel log line records an OOM kill inside this container's memory cgroup
 * (cgroup v1 `/docker/<id>`, v2 `/system.slice/docker-<id>.scope` or `/docker/<id>`). */
export function isOomKillOf(line: string, containerId: string): boolean {
  if (containerId.length < 12 || !/^[0-9a-f]+$/.test(containerId)) return false;
  const m = /oom-kill:.*\boom_memcg=(\S+?)(?:,|\s|$)/.exec(line);
  if (!m) return false;
  const memcg = m[1]!;
  return memcg.endsWith(`/${containerId}`) || memcg.endsWith(`/docker-${containerId}.scope`);
}

export interface KernelOomCheck {
  /** Whether the kernel log holds an OOM kill for the container; false when it cannot be read. */
  wasOomKilled(containerId: string): boolean;
}

export function createKernelOomCheck(options: { kmsgPath?: string; maxRecords?: number } = {}): KernelOomCheck {
  const path = options.kmsgPath ?? '/dev/kmsg';
  const maxRecords = options.maxRecords ?? 20_000;
  return {
    wasOomKilled(containerId) {
      let fd: number;
      try {
        fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        return false; // not root, or no kernel log here
      }
      // /dev/kmsg hands out one record per read, oldest first, and EAGAIN at the end.
      const buf = Buffer.alloc(8192);
      try {
        for (let i = 0; i < maxRecords; i++) {
          let n: number;
          try {
            n = readSync(fd, buf, 0, buf.length, null);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'EPIPE') continue; // a record was overwritten meanwhile
            return false;
          }
          if (n <= 0) return false;
          if (isOomKillOf(buf.toString('utf8', 0, n), containerId)) return true;
        }
        return false;
      } finally {
        closeSync(fd);
      }
    },
  };
}
