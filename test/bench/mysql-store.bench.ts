// Adapter-level latency of JobStore.get and JobStore.list (50 per page) with 10,000 jobs in the table,
// on the real database (CJM_TEST_DATABASE_URL). The socket-level figures are the server bench's.
// Run alone: npx tsx test/bench/mysql-store.bench.ts
import { pathToFileURL } from 'node:url';
import { createJobStore, createMysqlPool } from '../../server/adapters/mysql/index.js';
import { newJobToColumns } from '../../server/adapters/mysql/row-mapping.js';
import type { JobQuery, NewJob } from '../../server/core/ports.js';
import { createTestDatabase } from '../support/database.js';

const rows = 10_000;
const owners = ['alice', 'bob', 'carol', 'dave', 'erin'];
const statuses = ['exited', 'exited', 'exited', 'error', 'running', 'pending'] as const;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(label: string, iterations: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 50; i++) await fn(i); // warm-up: connections, buffer pool
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2).padStart(6);
  console.log(`  ${label.padEnd(44)} p50 ${f(percentile(times, 50))} ms   p99 ${f(percentile(times, 99))} ms   (n=${iterations})`);
}

export async function run(): Promise<void> {
  const db = await createTestDatabase({ migrate: true });
  const pool = createMysqlPool(db.url);
  try {
    // Bulk-load through the same column mapping the store uses, 500 rows per statement.
    const base = Date.now() - rows * 1000;
    for (let from = 0; from < rows; from += 500) {
      const batch = Array.from({ length: Math.min(500, rows - from) }, (_, k) => {
        const i = from + k;
        const job: NewJob = {
          name: `bench-${i}`,
          image: i % 7 === 0 ? 'python:3.12-alpine' : 'busybox:latest',
          cmd: `echo ${i}; sleep 1`,
          argv: undefined,
          cpus: 0.5,
          memoryMb: 128,
          ioWeight: 500,
          pidsLimit: 512,
          timeoutSeconds: 0,
          env: { N: String(i) },
          network: 'bridge',
          ports: [],
          constraints: [],
          owner: owners[i % owners.length] ?? 'alice',
          createdAt: new Date(base + i * 1000),
        };
        return { ...newJobToColumns(job), status: statuses[i % statuses.length] ?? 'exited' };
      });
      const names = Object.keys(batch[0] ?? {});
      const placeholders = `(${names.map(() => '?').join(', ')})`;
      await pool.query(
        `INSERT INTO jobs (${names.join(', ')}) VALUES ${batch.map(() => placeholders).join(', ')}`,
        batch.flatMap((r) => Object.values(r)),
      );
    }
    await pool.query('ANALYZE TABLE jobs');

    const store = createJobStore({ pool, logger: silent });
    const maxId = rows;
    const randomId = () => 1 + Math.floor(Math.random() * maxId);
    const list = (q: Partial<JobQuery>) => store.list({ owner: null, limit: 50, ...q });

    console.log(`JobStore on ${rows} jobs (adapter level, one caller at a time):`);
    // Baseline in the same run: the driver's round trip alone, so machine noise shows up as such.
    await measure('baseline: pool.execute("SELECT 1")', 5000, () => pool.execute('SELECT 1'));
    await measure('get(id)', 5000, () => store.get(randomId()));
    await measure('list admin, first page', 2000, () => list({}));
    await measure('list admin, random cursor', 2000, () => list({ beforeId: randomId() }));
    await measure('list owner, random cursor', 2000, (i) => list({ owner: owners[i % owners.length] ?? 'alice', beforeId: randomId() }));
    await measure('list owner+status=running, random cursor', 2000, () => list({ owner: 'bob', status: 'running', beforeId: randomId() }));
    await measure('list search "python" (1 in 7 match)', 1000, () => list({ search: 'python' }));
    await measure('list search "bench-9999" (1 match, full scan)', 500, () => list({ search: 'bench-9999' }));
    await measure('usage(owner)', 2000, (i) => store.usage(owners[i % owners.length] ?? 'alice'));
    // Concurrency: 50 callers at once, as many rpc connections would.
    const start = performance.now();
    await Promise.all(Array.from({ length: 1000 }, () => store.get(randomId())));
    console.log(`  1000 get() issued at once (pool of 10): ${(performance.now() - start).toFixed(0)} ms wall`);
  } finally {
    await pool.end();
    await db.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
