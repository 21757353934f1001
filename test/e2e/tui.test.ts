// cjm-tui end to end: the real TUI in tmux against a real server (a child process, so it can be
// SIGKILLed and restarted on the same port) with real containers. Assertions are on what tmux shows.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { logLimits } from '../../server/protocol/logs.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/daemons.js';
import { removeJobs } from '../support/cleanup.js';
import { sourceNodeArgs } from '../support/source.js';
import { tmuxSession } from '../support/tmux.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const tag = randomBytes(3).toString('hex');
const session = `cjm-tui-e2e-${tag}`;
const token = `tui-e2e-${randomBytes(16).toString('hex')}`;

let db: TestDatabase;
let dataDir: string;
let port: number;
let server: ChildProcess | undefined;
let client: CjmClient | undefined;
const url = () => `ws://127.0.0.1:${port}/rpc`;

async function startServerProcess(): Promise<void> {
  // Kept after the run (in the OS temp dir) so a failure can be read.
  const log = createWriteStream(join(tmpdir(), `cjm-tui-e2e-${tag}-server-${Date.now()}.log`));
  // node --import tsx runs the server in this one process, so SIGKILL leaves nothing behind.
  server = spawn(process.execPath, [...sourceNodeArgs, 'server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      CJM_LISTEN: `127.0.0.1:${port}`,
      CJM_DATABASE_URL: db.url,
      CJM_DATA_DIR: dataDir,
      CJM_ADMIN_TOKEN: token,
      CJM_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      client = await createClient(url(), token, { connectTimeoutMs: 1000 });
      await client.call('system.ping', {});
      return;
    } catch (e) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`server did not start: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function killServer(): Promise<void> {
  const s = server;
  server = undefined;
  client?.close();
  client = undefined;
  if (!s || s.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.once('exit', () => resolve());
    s.kill('SIGKILL');
  });
}

const tmux = tmuxSession(session);
const { screen, shows, keys, waitScreen } = tmux;

// A filter is the server's search: the table's title says `filter "x"… ` until the server has
// answered, then `filter "x" `, which is what the tests below wait for before acting on a row.
function tableRow(s: string, name: string): string | undefined {
  return s.split('\n').find((l) => l.includes(` ${name} `) && /│\s+\d+ /.test(l));
}

function logPaneLines(s: string): string[] {
  // The log pane is the left box below the table; its lines start with '│' and end at the seam with
  // the boxes on the right: '││', or '│└' / '│┌' where the job panel ends and the chart begins.
  return s
    .split('\n')
    .filter((l) => /│[│└┌]/.test(l))
    .map((l) => l.slice(1, l.search(/│[│└┌]/)).trimEnd());
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-tui-e2e-'));
  port = await freePort();
  await startServerProcess();
  const cmd = `cd ${root} && NCURSES_NO_UTF8_ACS=1 TERM=xterm-256color CJM_TOKEN=${token} exec ${process.execPath} ${sourceNodeArgs.join(' ')} tui/main.ts --url ${url()} 2>${join(tmpdir(), `cjm-tui-e2e-${tag}-tui-stderr.log`)}`;
  await tmux.start(cmd, 160, 45);
}, 120_000);

afterAll(async () => {
  await tmux.kill();
  if (!client && db) await startServerProcess().catch(() => {});
  await removeJobs(client);
  await killServer();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe('cjm-tui in tmux against a real server', () => {
  it('connects and shows the header', async () => {
    const s = await shows('● connected');
    expect(s.split('\n')[0]).toContain(url());
    expect(s.split('\n')[0]).toContain('user admin');
  });

  it('creates a job with the form, sees it run then exit, and its output in the log pane', async () => {
    const name = `e2e-form-${tag}`;
    await keys('n');
    await shows('New job');
    await keys(name, 'Tab', 'Tab', `echo form-out-1; sleep 3; echo form-out-2 >&2`, 'C-s');
    await shows(/created job \d+/);
    await waitScreen('the job running', (s) => /running/.test(tableRow(s, name) ?? ''));
    await waitScreen('the job exited', (s) => /exited \(completed\).*busybox\s+0 /.test(tableRow(s, name) ?? ''));
    const s = await shows('end of output');
    const logs = logPaneLines(s);
    expect(logs).toContain('   form-out-1');
    expect(logs).toContain('E| form-out-2');
  }, 90_000);

  it('c clones the selected job into the form; creating it runs a second job', async () => {
    const name = `e2e-form-${tag}`;
    await keys('/', name, 'Enter');
    await shows(`filter "${name}" `);
    await keys('c');
    await shows('cloned from job');
    await shows(new RegExp(`Name\\s+${name}-2`));
    await keys('C-s');
    await shows(new RegExp(`created job \\d+ \\(${name}-2\\)`));
    await waitScreen('the clone ran', (s) => /exited \(completed\)/.test(tableRow(s, `${name}-2`) ?? ''));
    await keys('Escape');
    await waitScreen('the filter cleared', (s) => !s.includes('filter "'));
  }, 90_000);

  it('stops and removes another job, each after a confirmation', async () => {
    const name = `e2e-victim-${tag}`;
    // It ignores SIGTERM, so the stop takes its 10 s and the row says so meanwhile.
    await client!.call('job.create', { name, image: 'busybox', cmd: 'trap "" TERM; while :; do sleep 1; done', cpus: 0.2, memoryMb: 32 });
    await waitScreen('the victim running', (s) => /running/.test(tableRow(s, name) ?? ''));
    await keys('/', name, 'Enter');
    await shows(`filter "${name}" `);
    await keys('s');
    await shows(`Stop job`);
    await keys('y');
    await waitScreen('the victim stopping', (s) => /stopping…/.test(tableRow(s, name) ?? ''), 2000);
    await waitScreen('the victim stopped', (s) => /exited \(stopped\)/.test(tableRow(s, name) ?? ''), 30_000);
    await keys('d');
    await shows('Remove job');
    await keys('y');
    await waitScreen('the victim gone', (s) => s.includes('removed job') && tableRow(s, name) === undefined);
    await keys('Escape');
    await waitScreen('the filter cleared', (s) => !s.includes('filter "'));
  }, 90_000);

  it('w saves the whole log of a job, beyond the tail the pane holds, identical to job.logs', async () => {
    const name = `e2e-seq-${tag}`;
    // About 106 KiB: more than the 20 KiB tail job.logs gives by default and the pane's 64 KiB.
    const job = await client!.call('job.create', { name, image: 'busybox', cmd: 'seq 1 20000', cpus: 0.2, memoryMb: 32 });
    await keys('/', name, 'Enter');
    await shows(`filter "${name}" `);
    await waitScreen('the seq job exited', (s) => /exited \(completed\)/.test(tableRow(s, name) ?? ''));
    const dir = await mkdtemp(join(tmpdir(), 'cjm-tui-e2e-save-'));
    try {
      const path = join(dir, 'seq.log');
      await keys('w');
      await shows(`save the log of job ${job.id} to: ./${name}.log`);
      await keys('C-u', path, 'Enter');
      await shows(new RegExp(`saved [0-9.]+ KiB to ${path}`));
      const whole = await client!.call('job.logs', { id: job.id, tailBytes: logLimits.tailMax });
      expect(whole.truncated).toBe(false);
      expect(whole.size).toBeGreaterThan(100_000);
      expect(await readFile(path, 'utf8')).toBe(whole.text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await keys('Escape');
    await waitScreen('the filter cleared', (s) => !s.includes('filter "'));
  }, 90_000);

  it('K kills a job that ignores SIGTERM, after a confirmation, and it ends exited (stopped) at once', async () => {
    const name = `e2e-stubborn-${tag}`;
    await client!.call('job.create', { name, image: 'busybox', cmd: 'trap "" TERM; while true; do sleep 1; done', cpus: 0.2, memoryMb: 32 });
    await keys('/', name, 'Enter');
    await shows(`filter "${name}" `);
    await waitScreen('the stubborn job running', (s) => /running/.test(tableRow(s, name) ?? ''));
    await keys('K');
    await shows('Kill job');
    await keys('y');
    const t0 = Date.now();
    // No 10 s SIGTERM grace: SIGKILL at once.
    await waitScreen('the stubborn job stopped', (s) => /exited \(stopped\)/.test(tableRow(s, name) ?? ''), 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    await keys('Escape');
    await waitScreen('the filter cleared', (s) => !s.includes('filter "'));
  }, 90_000);

  it('shows the disconnection, recovers, and resumes the log with no gap or duplicate', async () => {
    const name = `e2e-ticker-${tag}`;
    // The dot ends a tick, so a search for one finds no other.
    await client!.call('job.create', { name, image: 'busybox', cmd: 'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo tick-$i.; sleep 0.4; done', cpus: 0.2, memoryMb: 32 });
    await keys('/', name, 'Enter');
    await shows('tick-3');
    const ticksOf = (s: string) => logPaneLines(s).flatMap((l) => (/^ {3}tick-(\d+)\.$/.exec(l) ? [Number(/tick-(\d+)/.exec(l)![1])] : []));
    const before = Math.max(...ticksOf(await screen()));

    await killServer();
    await shows('disconnected, retrying in');
    await startServerProcess();
    await shows('● connected', 60_000);
    const after = await waitScreen('ticks after the restart', (s) => Math.max(...ticksOf(s)) >= before + 12, 60_000);
    // The longer the restart took, the more output came at once on resuming, and that can push
    // `before` off the pane: search back to it, so both sides of the restart are on the screen.
    await keys('Enter', '/', `tick-${before}.`, 'Enter');
    const around = await waitScreen(`the log around tick-${before}`, (s) => s.includes(`/tick-${before}.`) && ticksOf(s).includes(before));
    for (const seen of [ticksOf(after), ticksOf(around)]) {
      // Every visible tick follows the one above it: nothing lost, nothing shown twice.
      for (let i = 1; i < seen.length; i++) expect(seen[i], `tick order around ${seen[i - 1]}: ${seen.join(',')}`).toBe(seen[i - 1]! + 1);
    }
    expect(ticksOf(around)).toEqual(expect.arrayContaining([before, before + 1]));
  }, 150_000);

  it('--once prints the table, --json prints it as JSON, a bad token is one line and exit 1', async () => {
    const tui = (args: string[]) =>
      run(process.execPath, [...sourceNodeArgs, 'tui/main.ts', '--url', url(), ...args], { cwd: root }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const once = await tui(['--token', token, '--once']);
    expect(once.code).toBe(0);
    expect(once.stdout.split('\n')[0]).toMatch(/^\s*ID NAME\s+STATUS\s+COMMAND\s+IMAGE/);
    expect(once.stdout).toMatch(new RegExp(`e2e-form-${tag}\\s+exited \\(completed\\)\\s+echo form-out-1`));
    const json = await tui(['--token', token, '--json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { name: string; status: string; exitCode: number | null }[];
    expect(rows.find((r) => r.name === `e2e-form-${tag}`)).toMatchObject({ status: 'exited' });
    const bad = await tui(['--token', 'not-a-real-token', '--once']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^cjm-tui: the server refused the token/);
  }, 60_000);

  it('q quits and gives the terminal back', async () => {
    await keys('q');
    await expect
      .poll(async () => run('tmux', ['has-session', '-t', session]).then(() => 'running', () => 'gone'), { timeout: 10_000, interval: 100 })
      .toBe('gone');
  });
});
