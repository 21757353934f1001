// Growth (issue 18): job.list with 100,000 jobs in the table - first page, a deep cursor, a status
// filter, and search for a rare and a common term - as p50/p99, through the JobStore and through a
// real JSON-RPC client against an in-process server (real dockerd; the seeded jobs are all finished,
// so the server's start-up reconcile leaves them alone). Baseline in the same run: SELECT 1.
// Then, with those rows in the table: the real TUI's first paint and RSS (tui-growth-child.ts, its
// own process), and the live figures of growth-live.ts (bursts, running jobs, a job.updated burst
// and what it costs that TUI).
// Run alone: npm run bench growth   (CJM_GROWTH_ROWS changes the row count, CJM_GROWTH_BURST the
// burst (default 100), CJM_GROWTH_RUNNING the running jobs (default 200); CJM_GROWTH_RUNNING=0 skips
// the live part)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJobStore, createMysqlPool } from '../../server/adapters/mysql/index.js';
import type { JobQuery } from '../../server/core/ports.js';
import { createClient } from '../../server/protocol/client.js';
import type { ParamsOf } from '../../server/protocol/index.js';
import { createTestDatabase } from '../support/database.js';
import { seedJobs, seedOwners } from '../support/seed-jobs.js';
import { startTestServer } from '../support/server.js';
import { live, type TuiProbe } from './growth-live.js';
import type { ChildMessage, ParentMessage } from './tui-growth-child.js';
import { createReport, type Report } from './report.js';

const rows = Number(process.env.CJM_GROWTH_ROWS ?? 100_000);
const burst = Number(process.env.CJM_GROWTH_BURST ?? 100);
const running = Number(process.env.CJM_GROWTH_RUNNING ?? 200);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(label: string, iterations: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up: connections, buffer pool
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2).padStart(7);
  console.log(`  ${label.padEnd(46)} p50 ${f(percentile(times, 50))} ms   p99 ${f(percentile(times, 99))} ms   (n=${iterations})`);
}

/** The same views, each through `list` (store or rpc), with the same parameters. */
async function views(list: (q: { status?: 'error'; search?: string; beforeId?: number; owner?: string }) => Promise<unknown>, iterations: number) {
  const deep = Math.floor(rows / 10);
  // Ids from rows/10 up have the most digits: grow-<that> names exactly one job.
  const rare = () => `grow-${deep + Math.floor(Math.random() * (rows - deep))}`;
  await measure('first page', iterations, () => list({}));
  await measure(`deep cursor (id < ${deep})`, iterations, () => list({ beforeId: deep }));
  await measure('status=error, first page', iterations, () => list({ status: 'error' }));
  await measure('status=error, deep cursor', iterations, () => list({ status: 'error', beforeId: deep }));
  await measure('search rare "grow-<random>" (1 match)', iterations, () => list({ search: rare() }));
  await measure(`search rare "grow-${rows - 1}" (1 match)`, iterations, () => list({ search: `grow-${rows - 1}` }));
  await measure('search common "python" (1 in 7)', iterations, () => list({ search: 'python' }));
  await measure('search common "busybox" (6 in 7)', iterations, () => list({ search: 'busybox' }));
  await measure('search absent "nosuchjob"', iterations, () => list({ search: 'nosuchjob' }));
  await measure('search short "x:" (2 chars, 6 in 7)', iterations, () => list({ search: 'x:' }));
  await measure('search short "y:" (2 chars, none: window)', iterations, () => list({ search: 'y:' }));
  await measure('search "python" + status=error + deep cursor', iterations, () => list({ search: 'python', status: 'error', beforeId: deep }));
}

export async function run(report: Report): Promise<void> {
  const db = await createTestDatabase({ migrate: true });
  const pool = createMysqlPool(db.url);
  const dataDir = await mkdtemp(join(tmpdir(), 'cjm-growth-'));
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    const t0 = performance.now();
    await seedJobs(pool, rows);
    console.log(`seeded ${rows} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const store = createJobStore({ pool, logger: silent });
    const storeList = (q: Partial<JobQuery>) => store.list({ owner: null, limit: 51, ...q });
    console.log(`JobStore.list, 50 a page (+1 to know there is more), admin:`);
    await measure('baseline: pool.query("SELECT 1")', 1000, () => pool.query('SELECT 1'));
    await views(storeList, 300);
    console.log(`JobStore.list as one owner (1 job in ${seedOwners.length}):`);
    await views((q) => storeList({ ...q, owner: 'bob' }), 300);

    server = await startTestServer({ database: db, dataDir, env: { CJM_QUOTA_JOBS: String(Math.max(running, burst, 1)) } });
    const client = await createClient(server.url, server.adminToken, { callTimeoutMs: 300_000 });
    const tui = await startTui(server.url, server.adminToken);
    try {
      console.log(`cjm-tui at ${rows} jobs (its own process, 160 x 130, a table of 50 rows):`);
      const p = tui.painted;
      console.log(`  first paint ${p.sinceConnectMs.toFixed(0)} ms after connecting (${p.sinceStartMs.toFixed(0)} ms after the process started, module loading included); ${p.tableRows} jobs loaded; RSS ${p.rssMb.toFixed(0)} MB`);
      report.figure(`TUI first paint at ${rows} jobs (from connecting)`, p.sinceConnectMs, 'ms', { max: 1000 });
      report.figure(`TUI RSS at ${rows} jobs`, p.rssMb, 'MB', { max: 150 });
      console.log('job.list over JSON-RPC (in-process server, WebSocket client), admin:');
      await measure('baseline: system.ping', 1000, () => client.call('system.ping', {}));
      await views(({ beforeId, status, search }) => {
        const params: ParamsOf<'job.list'> = { limit: 50, ...(status ? { status } : {}), ...(search ? { search } : {}), ...(beforeId ? { cursor: String(beforeId) } : {}) };
        return client.call('job.list', params);
      }, 300);
      // What the TUI asks at connect and on a filter: the first page with the count.
      await measure('first page with count: true', 300, () => client.call('job.list', { limit: 150, count: true }));
      await measure('status=error with count: true', 300, () => client.call('job.list', { limit: 150, status: 'error', count: true }));
      await measure('search "busybox" (6 in 7) with count: true', 300, () => client.call('job.list', { limit: 150, search: 'busybox', count: true }));
      await measure('search "grow-9999" (11) with count: true', 300, () => client.call('job.list', { limit: 150, search: 'grow-9999', count: true }));
      if (running > 0) await live(client, report, { burst, running, tui });
    } finally {
      tui.quit();
      client.close();
    }
  } finally {
    await pool.end();
    // keep: its close() would remove the seeded jobs one by one; the database is dropped below.
    await server?.close({ keep: true });
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The real TUI in a child process (tui-growth-child.ts), once it has painted the first page. */
async function startTui(url: string, token: string): Promise<TuiProbe & { painted: Extract<ChildMessage, { kind: 'painted' }>; quit(): void }> {
  const child = fork(fileURLToPath(new URL('./tui-growth-child.ts', import.meta.url)), [], {
    execArgv: process.execArgv,
    env: { ...process.env, CJM_BENCH_URL: url, CJM_BENCH_TOKEN: token, CJM_BENCH_TOTAL: String(rows) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <K extends ChildMessage['kind']>(kind: K) =>
    new Promise<Extract<ChildMessage, { kind: K }>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the TUI process exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (m: ChildMessage) => {
        child.off('exit', onExit);
        if (m.kind === kind) resolve(m as Extract<ChildMessage, { kind: K }>);
        else reject(new Error(`the TUI process sent ${m.kind}, not ${kind}`));
      });
    });
  const send = (m: ParentMessage) => child.send(m);
  const painted = await next('painted');
  return {
    painted,
    burstStart: () => send({ kind: 'burst-start' }),
    burstEnd: () => {
      const figures = next('burst');
      send({ kind: 'burst-end' });
      return figures;
    },
    quit: () => send({ kind: 'quit' }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(createReport()).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
