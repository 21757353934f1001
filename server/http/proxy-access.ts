// Who may reach which job, answered without a database round trip per request: token checks are
// remembered briefly (as long as an rpc connection goes between re-checks), and the jobs the proxy
// has served are kept current by the same job.updated events every client gets.
import type { Job } from '../protocol/index.js';
import { JobNotFoundError } from '../core/errors.js';
import { mayAccess, type AuthService, type Caller, type JobService } from '../core/api.js';

export interface ProxyAccessOptions {
  /** How long a token check is reused. Default 5 s (the rpc layer's token re-check interval). */
  tokenTtlMs?: number;
  /** At most this many tokens and jobs remembered; the oldest go first. Default 1000. */
  maxEntries?: number;
  now?: () => number;
}

export interface ProxyAccess {
  /** The caller a token belongs to; null when it is unknown or revoked. */
  caller(token: string): Promise<Caller | null>;
  /** The job as it is now, if the caller may see it; null otherwise (missing, or someone else's). */
  job(caller: Caller, id: number): Promise<Job | null>;
  close(): void;
}

export function createProxyAccess(deps: { jobs: JobService; auth: AuthService }, options: ProxyAccessOptions = {}): ProxyAccess {
  const ttl = options.tokenTtlMs ?? 5000;
  const max = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const tokens = new Map<string, { caller: Caller | null; at: number }>();
  // null: a read from the service is under way; an event that arrives meanwhile wins over it.
  const jobs = new Map<number, Job | null>();
  const view: Caller = { user: 'cjm-port-proxy', admin: true };
  const unsubscribe = deps.jobs.subscribe(view, {
    updated(job) {
      if (jobs.has(job.id)) jobs.set(job.id, job);
    },
    removed(id) {
      jobs.delete(id);
    },
  });

  function remember<K, V>(map: Map<K, V>, key: K, value: V) {
    map.delete(key);
    map.set(key, value);
    if (map.size > max) map.delete(map.keys().next().value as K);
  }

  return {
    async caller(token) {
      const hit = tokens.get(token);
      if (hit && now() - hit.at < ttl) return hit.caller;
      const caller = await deps.auth.authenticate(token);
      remember(tokens, token, { caller, at: now() });
      return caller;
    },

    async job(caller, id) {
      let job = jobs.get(id);
      if (!job) {
        if (job === undefined) remember(jobs, id, null);
        let read: Job;
        try {
          // As the view (an admin), so the answer can be kept for every caller.
          read = await deps.jobs.get(view, id);
        } catch (e) {
          if (jobs.get(id) === null) jobs.delete(id);
          if (e instanceof JobNotFoundError) return null;
          throw e;
        }
        job = jobs.get(id) ?? read;
        if (jobs.has(id)) jobs.set(id, job);
      }
      return mayAccess(caller, job.owner) ? job : null;
    },

    close() {
      unsubscribe();
      tokens.clear();
      jobs.clear();
    },
  };
}
