import type { Job } from '#protocol';
import type { Connection } from './connection.js';

// Every job the user can see, newest first: `job.list` pages through at most 500 at a time. Used by
// the dashboard (at connect and on reconnect) and by `cjm-tui --once`.

export async function listAll(connection: Pick<Connection, 'call'>, max = 20_000): Promise<Job[]> {
  const all: Job[] = [];
  let cursor: string | null = null;
  do {
    const page: { jobs: Job[]; nextCursor: string | null } = await connection.call('job.list', { limit: 500, cursor });
    all.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor && all.length < max);
  return all.sort((a, b) => b.id - a.id);
}
