import type { Job } from '../server/protocol/index.js';
import type { Connection } from './connection.js';
import { formatTable, tableJson } from './rows.js';

// `cjm-tui --once` / `--json`: one list, printed, for scripts.

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

export async function printOnce(connection: Pick<Connection, 'call'>, options: { json: boolean; width: number; now: number; write: (s: string) => void }): Promise<void> {
  const jobs = await listAll(connection);
  options.write(options.json ? tableJson(jobs, options.now) : formatTable(jobs, options.now, options.width));
}
