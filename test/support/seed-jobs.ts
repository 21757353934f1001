// Finished jobs written straight into a test database, the way the store writes them (its column
// mapping and search trigrams), many to a statement: lists of hundreds of jobs without running a
// container for each. They are finished, so neither the queue nor the reconciler touches them.
import type { ResultSetHeader } from 'mysql2/promise';
import { createMysqlPool } from '../../server/adapters/mysql/index.js';
import { newJobToColumns } from '../../server/adapters/mysql/row-mapping.js';
import { jobTrigrams } from '../../server/adapters/mysql/trigrams.js';
import type { NewJob } from '../../server/core/ports.js';

export interface SeedJob {
  name: string;
  status: 'exited' | 'error';
  image?: string;
  owner?: string;
}

/** Inserts the jobs in this order (ids ascending); returns their ids. */
export async function seedJobs(databaseUrl: string, jobs: readonly SeedJob[]): Promise<number[]> {
  const pool = createMysqlPool(databaseUrl);
  try {
    const ids: number[] = [];
    for (let from = 0; from < jobs.length; from += 1000) {
      const batch = jobs.slice(from, from + 1000).map((j) => newJob(j));
      const rows = batch.map((job, k) => ({ ...newJobToColumns(job), status: jobs[from + k]!.status, reason: jobs[from + k]!.status === 'exited' ? 'completed' : 'seeded', exit_code: 0 }));
      const names = Object.keys(rows[0]!);
      const [result] = await pool.query<ResultSetHeader>(`INSERT INTO jobs (${names.join(', ')}) VALUES ?`, [rows.map((r) => Object.values(r))]);
      // One multi-row INSERT takes consecutive ids from insertId.
      const grams = batch.flatMap((job, k) => jobTrigrams(job).map((g) => [g, result.insertId + k]));
      if (grams.length > 0) await pool.query('INSERT IGNORE INTO job_search_trigrams (trigram, job_id) VALUES ?', [grams]);
      ids.push(...batch.map((_, k) => result.insertId + k));
    }
    return ids;
  } finally {
    await pool.end();
  }
}

function newJob(j: SeedJob): NewJob {
  return {
    name: j.name,
    image: j.image ?? 'busybox:latest',
    cmd: 'true',
    cpus: 0.1,
    memoryMb: 16,
    ioWeight: 500,
    pidsLimit: 512,
    timeoutSeconds: 0,
    env: {},
    network: 'none',
    ports: [],
    constraints: [],
    owner: j.owner ?? 'admin',
    createdAt: new Date(),
  };
}
