// Docker's oom events, de-duplicated, and a bounded wait for one: an exit with code 137 may be the
// kernel's OOM killer, and Docker can report the exit before its own oom event.
import type { Clock, Logger } from './ports.js';

export interface OomWatch {
  /** Records an oom event (Docker repeats them; logged once per container). */
  seen(containerId: string, jobId: number): void;
  killed(containerId: string): boolean;
  /** Resolves on the container's oom event, or after ms. */
  wait(containerId: string, ms: number): Promise<void>;
  /** The container is gone: drop what was recorded about it. */
  forget(containerId: string): void;
}

export function createOomWatch(deps: { clock: Clock; logger: Logger }): OomWatch {
  const killed = new Set<string>();
  const waiting = new Map<string, Set<() => void>>();
  return {
    seen(containerId, jobId) {
      if (!killed.has(containerId)) deps.logger.info({ jobId, containerId }, 'job hit its memory limit');
      killed.add(containerId);
      for (const done of [...(waiting.get(containerId) ?? [])]) done();
    },
    killed: (containerId) => killed.has(containerId),
    wait(containerId, ms) {
      if (killed.has(containerId)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const set = waiting.get(containerId) ?? new Set();
        waiting.set(containerId, set);
        const done = () => {
          cancel();
          set.delete(done);
          if (!set.size) waiting.delete(containerId);
          resolve();
        };
        const cancel = deps.clock.setTimer(ms, done);
        set.add(done);
      });
    },
    forget: (containerId) => killed.delete(containerId),
  };
}
