import type { CjmApi } from '../../server/protocol/index.js';

/** Teardown: removes the jobs the caller sees (up to 500, those matching `search` if given), with
 * their containers and logs. Failures are ignored: the server may already be going away. */
export async function removeJobs(api: CjmApi | undefined, search?: string): Promise<void> {
  if (!api) return;
  const page = await api.call('job.list', { limit: 500, ...(search ? { search } : {}) }).catch(() => null);
  await Promise.all((page?.jobs ?? []).map((j) => api.call('job.remove', { id: j.id }).catch(() => undefined)));
}
