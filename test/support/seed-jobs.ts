// Many jobs straight into a test database, as the store would write them (the row and its search
// trigrams), in multi-row INSERTs: 100,000 jobs in seconds where store.insert would take minutes.
// For the growth bench and tests that need a large table.
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { newJobToColumns } from '../../server/adapters/mysql/row-mapping.js';
import { jobTrigrams } from '../../server/adapters/mysql/trigrams.js';
import type { NewJob } from '../../server/core/ports.js';
import type { JobStatus } from '../../server/protocol/index.js';
import { newJob } from './job.js';

export const seedOwners = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;

/** The i-th seeded job by default: `grow-<i>`, one owner of five in turn, 1 in 7 a second image (a
 * common term that is not in every row), created a second apart ending about now. */
export function growJob(i: number, count: number): NewJob {
  return newJob({
    name: `grow-${i}`,
    image: i % 7 === 0 ? 'python:3.12-alpine' : 'busybox:latest',
    cmd: `echo ${i}; sleep 1`,
    cpus: 0.01,
    memoryMb: 16,
    owner: seedOwners[i % seedOwners.length] ?? 'alice',
    createdAt: new Date(Date.now() - (count - i) * 1000),
  });
}

/** Finished only by default: pending/running rows without containers would be reconciled to lost
 * when a server starts on them. */
const finished = (i: number): JobStatus => (i % 6 === 5 ? 'error' : 'exited');

export interface SeedOptions {
  /** The i-th job (0-based, oldest first); default growJob. */
  job?: (i: number, count: number) => NewJob;
  /** Its status; default exited, 1 in 6 error. */
  status?: (i: number) => JobStatus;
}

/** Inserts `count` jobs, oldest first, 1,000 a statement; returns the first one's id (the ids are
 * consecutive: each statement is one multi-row INSERT, and they run one after another). */
export async function seedJobs(pool: Pool, count: number, options: SeedOptions = {}): Promise<{ firstId: number }> {
  const jobOf = options.job ?? growJob;
  const statusOf = options.status ?? finished;
  let firstId = 0;
  for (let from = 0; from < count; from += 1000) {
    const jobs = Array.from({ length: Math.min(1000, count - from) }, (_, k) => jobOf(from + k, count));
    const batch = jobs.map((job, k) => {
      const status = statusOf(from + k);
      const done = status === 'exited' || status === 'error';
      return { ...newJobToColumns(job), status, ...(done ? { reason: 'completed', exit_code: 0 } : {}) };
    });
    const names = Object.keys(batch[0] ?? {});
    const [result] = await pool.query<ResultSetHeader>(`INSERT INTO jobs (${names.join(', ')}) VALUES ?`, [batch.map((r) => Object.values(r))]);
    // A multi-row insert's ids are consecutive from insertId (innodb_autoinc_lock_mode 1 or 2 alike
    // for a single statement with a known row count).
    if (from === 0) firstId = result.insertId;
    const grams = jobs.flatMap((job, k) => jobTrigrams(job).map((g) => [g, result.insertId + k]));
    // Two windows may be equal under the collation ('olá' and 'ola'): the key keeps one.
    if (grams.length > 0) await pool.query('INSERT INTO job_search_trigrams (trigram, job_id) VALUES ? ON DUPLICATE KEY UPDATE job_id = job_id', [grams]);
  }
  await pool.query('ANALYZE TABLE jobs, job_search_trigrams');
  return { firstId };
}
