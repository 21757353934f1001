// cjm-tui at 100,000 jobs (issue 18): the real TUI in tmux against an in-process server whose
// database holds 100,000 jobs seeded straight into its tables (with their search trigrams). What a
// person sees: ids from 100,000 up whole, the true total in the table's title, a further page read
// when the selection reaches the end of the first, the filter answered by the server's search, a new
// job on top with the total following it, and --once saying what it leaves out.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlPool } from '../../server/adapters/mysql/index.js';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedJobs } from '../support/seed-jobs.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sourceNodeArgs } from '../support/source.js';
import { tmuxSession } from '../support/tmux.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const tag = randomBytes(3).toString('hex');
const tmux = tmuxSession(`cjm-tui-growth-${tag}`);
const { shows, keys } = tmux;
const rows = 100_000;

let db: TestDatabase;
let server: TestServer | undefined;
let client: CjmClient | undefined;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: true });
  const pool = createMysqlPool(db.url);
  try {
    const t0 = performance.now();
    await seedJobs(pool, rows);
    console.log(`seeded ${rows} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await pool.end();
  }
  server = await startTestServer({ database: db });
  client = await createClient(server.url, server.adminToken);
  const stderr = join(tmpdir(), `cjm-tui-growth-${tag}-stderr.log`);
  const cmd = `cd ${root} && NCURSES_NO_UTF8_ACS=1 TERM=xterm-256color CJM_TOKEN=${server.adminToken} exec ${process.execPath} ${sourceNodeArgs.join(' ')} tui/main.ts --url ${server.url} 2>${stderr}`;
  await tmux.start(cmd, 160, 45);
}, 300_000);

afterAll(async () => {
  await tmux.kill();
  client?.close();
  // keep: close() would remove the 100,000 jobs one by one; the database is dropped instead.
  await server?.close({ keep: true });
  await db?.drop();
}, 120_000);

/** The table row of job `id`, if on screen. */
const rowOf = (s: string, id: number) => s.split('\n').find((l) => new RegExp(`│\\s*${id} grow-${id - 1}\\s`).test(l));

describe('cjm-tui with 100,000 jobs', () => {
  it('shows the newest page with 6-digit ids whole and the true total', async () => {
    const s = await shows(/Jobs 1\/150 of 100000 /);
    expect(rowOf(s, 100_000)).toBeDefined();
    expect(rowOf(s, 99_999)).toBeDefined();
  });

  it('reads the next page when the selection reaches the end of the first', async () => {
    // G: the last job loaded (the 150th, id 99851); the next 150 follow, then one row down is older.
    await keys('G');
    let s = await shows(/Jobs 150\/300 of 100000 /);
    expect(rowOf(s, 99_851)).toBeDefined();
    await keys('j');
    s = await shows(/Jobs 151\/300 of 100000 /);
    expect(rowOf(s, 99_850)).toBeDefined();
    await keys('g');
    await shows(/Jobs 1\/300 of 100000 /);
  });

  it("filters with the server's search: an exact count, and 1000+ past the server's bound", async () => {
    await keys('/', 'grow-9999', 'Enter');
    let s = await shows(/Jobs 1\/11 filter "grow-9999" /);
    expect(rowOf(s, 10_000)).toBeDefined();
    await keys('Escape', '/', 'python', 'Enter');
    s = await shows(/Jobs 1\/150 of 1000\+ filter "python" /);
    expect(s).toContain('python:3.12-alpine');
    // Cleared: the newest page again (the selection stays on its job, which is in it).
    await keys('Escape');
    await shows(/Jobs \d+\/150 of 100000 /);
  });

  it('a new job appears on top and the total follows it, without a re-list; removed, it goes', async () => {
    const job = await client!.call('job.create', { name: `growth-new-${tag}`, image: 'busybox:latest', cmd: 'true', cpus: 0.1, memoryMb: 16 });
    const s = await shows(/Jobs \d+\/151 of 100001 /);
    expect(s).toMatch(new RegExp(`│\\s*${job.id} growth-new-${tag}\\s`));
    await client!.call('job.remove', { id: job.id });
    await shows(/Jobs \d+\/150 of 100000 /);
  });

  it('--once --limit prints that many and says how many there are', async () => {
    const { stdout, stderr } = await run(process.execPath, [...sourceNodeArgs, 'tui/main.ts', '--url', server!.url, '--token', server!.adminToken, '--once', '--limit', '3'], { cwd: root });
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\s*100000 grow-99999 /);
    expect(stderr).toBe('showing the newest 3 of 100000 jobs (--limit N to show more)\n');
  }, 60_000);
});
