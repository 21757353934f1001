import type { Job } from '../protocol/index.js';
import { mayAccess, type Caller, type JobListener } from './api.js';

/** Fans job changes out to subscribers who may see them: the owner, and admins. */
export interface JobBus {
  subscribe(caller: Caller, listener: JobListener): () => void;
  updated(job: Job): void;
  removed(job: Pick<Job, 'id' | 'owner'>): void;
}

export function createJobBus(onListenerError: (err: unknown) => void): JobBus {
  const subs = new Set<{ caller: Caller; listener: JobListener }>();
  const each = (owner: string, fn: (l: JobListener) => void) => {
    for (const s of subs) {
      if (!mayAccess(s.caller, owner)) continue;
      try {
        fn(s.listener);
      } catch (e) {
        onListenerError(e);
      }
    }
  };
  return {
    subscribe(caller, listener) {
      const sub = { caller, listener };
      subs.add(sub);
      return () => subs.delete(sub);
    },
    updated: (job) => each(job.owner, (l) => l.updated(job)),
    removed: (job) => each(job.owner, (l) => l.removed(job.id)),
  };
}
