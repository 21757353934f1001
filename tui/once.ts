import type { Connection } from './connection.js';
import { listAll } from './list-all.js';
import { formatTable, tableJson } from './rows.js';

// `cjm-tui --once` / `--json`: one list, printed, for scripts.

export async function printOnce(connection: Pick<Connection, 'call'>, options: { json: boolean; width: number; now: number; write: (s: string) => void }): Promise<void> {
  const jobs = await listAll(connection);
  options.write(options.json ? tableJson(jobs, options.now) : formatTable(jobs, options.now, options.width));
}
