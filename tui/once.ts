import type { Job, ResultOf } from '#protocol';
import type { Connection } from './connection.js';
import { formatTable, tableJson } from './rows.js';

// `cjm-tui --once` / `--json`: one list, printed, for scripts. At most `limit` jobs (newest first,
// read 500 a page); when there are more, a line on stderr says how many were left out, so a script
// reading stdout still gets a clean table or JSON.

export const defaultOnceLimit = 10_000;

export interface OnceOptions {
  json: boolean;
  width: number;
  now: number;
  /** Jobs printed at most. */
  limit?: number;
  write: (s: string) => void;
  /** Where the "showing N of M" note goes. */
  note: (s: string) => void;
}

export async function printOnce(connection: Pick<Connection, 'call'>, options: OnceOptions): Promise<void> {
  const limit = options.limit ?? defaultOnceLimit;
  const jobs: Job[] = [];
  let cursor: string | null = null;
  let total: ResultOf<'job.list'> | undefined;
  do {
    const page: ResultOf<'job.list'> = await connection.call('job.list', { limit: Math.min(500, limit - jobs.length), cursor, count: total === undefined });
    total ??= page;
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor && jobs.length < limit);
  options.write(options.json ? tableJson(jobs, options.now) : formatTable(jobs, options.now, options.width));
  if (cursor) options.note(`showing the newest ${jobs.length} of ${total?.total ?? 'more'}${total?.totalCapped ? '+' : ''} jobs (--limit N to show more)\n`);
}
