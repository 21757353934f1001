import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, type Job, type SystemInfo } from '../../../server/protocol/index.js';
import { createApp, type App } from '../../../tui/app.js';
import { createDashboard, type Dashboard } from '../../../tui/views/dashboard.js';
import { makeJob } from '../../support/job.js';
import { waitFor } from '../../support/wait.js';
import { createHeadlessTerminal, keys, type HeadlessTerminal } from './headless-screen.js';
import { createStubConnection, type StubConnection } from './stub-connection.js';

// Screen tests: the real blessed dashboard rendering into an in-memory terminal; assertions are on
// the text a person would see.

const info: SystemInfo = {
  version: '9.9.9',
  docker: { version: '20.10', apiVersion: '1.41' },
  runtime: 'runc, cgroup v1',
  capacity: { cpus: 2, memoryMb: 4096 },
  allocated: { cpus: 0, memoryMb: 0 },
  queued: 0,
  enforcement: { cpus: true, memory: true, ioWeight: false, pids: true },
};

interface Harness {
  term: HeadlessTerminal;
  conn: StubConnection;
  app: App;
  dash: Dashboard;
  jobs: Job[];
}

let open: Harness | undefined;
afterEach(() => {
  open?.dash.destroy();
  open?.app.dispose();
  open?.term.dispose();
  open = undefined;
});

async function start(jobs: Job[], extra: Parameters<typeof createStubConnection>[0] = {}): Promise<Harness> {
  const term = createHeadlessTerminal(140, 40);
  const conn = createStubConnection({
    'events.subscribe': () => ({ subscription: 'ev1' }),
    'system.info': () => info,
    'job.list': () => ({ jobs, nextCursor: null }),
    'job.logs': ({ id }) => ({ id, text: '', chunks: [], size: 0, truncated: false }),
    'job.follow': () => ({ subscription: 'f1' }),
    'job.unfollow': () => ({ ok: true }),
    'job.stats': () => {
      throw new RpcError(ErrorCode.JobNotRunning);
    },
    ...extra,
  });
  const app = createApp(conn, { url: 'ws://test:5000/rpc', onQuit: () => {}, followDelayMs: 0, statsIntervalMs: 60_000 });
  await conn.start();
  const dash = createDashboard(app, { input: term.input, output: term.output, frameMs: 10 });
  open = { term, conn, app, dash, jobs };
  return open;
}

async function waitForText(term: HeadlessTerminal, pattern: RegExp | string | ((text: string) => boolean), ms = 3000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = await term.text();
    if (typeof pattern === 'string' ? last.includes(pattern) : typeof pattern === 'function' ? pattern(last) : pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`screen never showed ${String(pattern)}; it shows:\n${last}`);
}

/** The job panel: the right-hand box below the table, its lines joined. */
function panel(text: string): string {
  const lines = text.split('\n');
  const top = lines.findIndex((l) => l.includes('─ Job '));
  if (top < 0) return '';
  const left = lines[top]!.lastIndexOf('┌');
  const body = lines.slice(top + 1).map((l) => l.slice(left));
  return body
    .slice(0, body.findIndex((l) => l.startsWith('└')))
    .map((l) => l.slice(1).replace(/│\s*$/, '').trimEnd())
    .join('\n');
}

describe('dashboard screen', () => {
  it('header: server URL, user, server version, capacity, connection state', async () => {
    const { term } = await start([]);
    const text = await waitForText(term, 'connected');
    const header = text.split('\n')[0] ?? '';
    expect(header).toContain('ws://test:5000/rpc');
    expect(header).toContain('user alice');
    expect(header).toContain('server 9.9.9');
    expect(header).toContain('capacity 2 CPU / 4.0 GiB');
    expect(header).toContain('● connected');
    expect(text).toContain('no jobs yet: press n to create one');
  });

  it('table rows, kept live from job.updated without a re-list', async () => {
    const { term, conn } = await start([makeJob({ id: 1, name: 'alpha' }), makeJob({ id: 2, name: 'beta', status: 'pending', startedAt: null })]);
    let text = await waitForText(term, 'beta');
    const rows = text.split('\n').filter((l) => /│\s+\d+ /.test(l));
    expect(rows[0]).toMatch(/2 beta\s+busybox\s+pending/);
    expect(rows[1]).toMatch(/1 alpha\s+busybox\s+running/);
    const lists = conn.calls.filter((c) => c.method === 'job.list').length;
    conn.emit('job.updated', { job: makeJob({ id: 1, name: 'alpha', status: 'exited', reason: 'oom_killed', exitCode: 137, finishedAt: '2026-01-01T00:00:09.000Z' }) });
    text = await waitForText(term, 'exited (oom_killed)');
    expect(text).toMatch(/1 alpha\s+busybox\s+exited \(oom_killed\)\s+137/);
    expect(conn.calls.filter((c) => c.method === 'job.list').length).toBe(lists);
    conn.emit('job.removed', { id: 2 });
    text = await waitForText(term, (t) => !t.includes('beta'));
    expect(text).toContain('Jobs 1 ');
  });

  it('log pane: stderr marked E|, paused when scrolled up, G resumes', async () => {
    const { term, conn } = await start([makeJob({ id: 5, name: 'talker' })]);
    await waitForText(term, 'Logs: job 5 talker');
    // The pane accepts lines once its tail is read and the follow is asked for.
    await waitFor('job.follow', async () => conn.calls.some((c) => c.method === 'job.follow'), 3000);
    let offset = 0;
    const say = (stream: 'stdout' | 'stderr', data: string) => {
      const bytes = Buffer.byteLength(data);
      conn.emit('job.log', { subscription: 'f1', id: 5, stream, data, offset, nextOffset: offset + bytes, at: '2026-01-01T00:00:00.000Z' });
      offset += bytes;
    };
    for (let i = 0; i < 60; i++) say(i % 10 === 9 ? 'stderr' : 'stdout', `line ${i}\n`);
    let text = await waitForText(term, 'line 59');
    expect(text).toMatch(/E\| line 59/);
    expect(text).toMatch(/ {3}line 58/);
    expect(text).toContain('following');

    term.press('l');
    term.press('k');
    text = await waitForText(term, 'paused — G to resume');
    say('stdout', 'line 60\n');
    await new Promise((r) => setTimeout(r, 50));
    text = await term.text();
    expect(text).not.toContain('line 60');
    term.press('G');
    text = await waitForText(term, 'line 60');
    expect(text).toContain('following');
  });

  it('/ in the log searches and highlights; n/N move between matches', async () => {
    const { term, conn, app } = await start([makeJob({ id: 5, name: 'talker' })]);
    await waitForText(term, 'Logs: job 5 talker');
    // The pane accepts lines once its tail is read and the follow is asked for.
    await waitFor('job.follow', async () => conn.calls.some((c) => c.method === 'job.follow'), 3000);
    const data = Array.from({ length: 100 }, (_, i) => (i === 10 || i === 90 ? `needle ${i}` : `hay ${i}`)).join('\n') + '\n';
    conn.emit('job.log', { subscription: 'f1', id: 5, stream: 'stdout', data, offset: 0, nextOffset: Buffer.byteLength(data), at: '2026-01-01T00:00:00.000Z' });
    await waitForText(term, 'hay 99');
    term.press('l');
    term.press('/');
    for (const ch of 'needle') term.press(ch);
    await waitForText(term, 'search log: needle');
    term.press(keys.enter);
    let text = await waitForText(term, '/needle');
    expect(app.logs.matchSeq).toBe(90);
    expect(text).toContain('paused — G to resume');
    term.press('N');
    text = await waitForText(term, 'needle 10');
    expect(app.logs.matchSeq).toBe(10);
  });

  it('create form: a -32602 from the server shows next to its field and keeps what was typed', async () => {
    const { term, conn } = await start([], {
      'job.create': (spec) => {
        if (spec.cpus > 2) throw new RpcError(ErrorCode.InvalidParams, 'Invalid params: cpus: must be at most 2 (host CPUs)', { field: 'cpus', reason: 'must be at most 2 (host CPUs)' });
        return makeJob({ id: 9, name: spec.name });
      },
    });
    await waitForText(term, 'connected');
    term.press('n');
    await waitForText(term, 'New job');
    for (const ch of 'myjob') term.press(ch);
    term.press(keys.tab, keys.tab);
    for (const ch of 'echo hi') term.press(ch);
    term.press(keys.tab, keys.backspace, keys.backspace, keys.backspace);
    term.press('8');
    term.press(keys.enter);
    const text = await waitForText(term, 'must be at most 2');
    const lines = text.split('\n');
    const cpuLine = lines.findIndex((l) => /CPUs\s+8/.test(l));
    expect(cpuLine).toBeGreaterThan(0);
    expect(lines[cpuLine + 1]).toContain('! CPUs: must be at most 2 (host CPUs)');
    expect(text).toMatch(/Name\s+myjob/);
    expect(text).toMatch(/Command\s+echo hi/);
    expect(conn.calls.find((c) => c.method === 'job.create')?.params).toMatchObject({ name: 'myjob', cmd: 'echo hi', cpus: 8 });
  });

  it('stop asks first; y stops', async () => {
    const { term, conn } = await start([makeJob({ id: 3, name: 'victim' })], {
      'job.stop': ({ id }) => makeJob({ id, name: 'victim', status: 'exited', reason: 'stopped', exitCode: 143 }),
    });
    await waitForText(term, 'victim');
    term.press('s');
    await waitForText(term, 'Stop job 3 (victim)?');
    expect(conn.calls.some((c) => c.method === 'job.stop')).toBe(false);
    term.press('y');
    const text = await waitForText(term, 'exited (stopped)');
    expect(text).toContain('stopped job 3 (victim)');
  });

  it('filter narrows the table as you type', async () => {
    const { term } = await start([makeJob({ id: 1, name: 'web' }), makeJob({ id: 2, name: 'batch' })]);
    await waitForText(term, 'batch');
    term.press('/');
    for (const ch of 'we') term.press(ch);
    // The log pane moves to the job left selected once the selection rests.
    let text = await waitForText(term, (t) => t.includes('filter "we"') && t.includes('Logs: job 1 web'));
    expect(text).toMatch(/Jobs 1\/2/);
    expect(text).not.toContain('batch');
    // Enter keeps the filter and the job table keeps the keys (one Enter is one key, not two).
    term.press(keys.enter);
    text = await waitForText(term, 'n new');
    expect(text).toContain('filter "we"');
  });

  it('the job panel shows what the table cuts short: the whole reason, the exit code, unenforced limits', async () => {
    const reason = 'image nosuchimage:1: registry unreachable: Get "https://registry-1.docker.io/v2/": no such host';
    const note = 'disk vda uses mq-deadline; IO weights need the bfq scheduler';
    const { term } = await start([
      makeJob({ id: 7, name: 'fetcher', status: 'error', reason, exitCode: null, enforced: null }),
      makeJob({ id: 8, name: 'hog', status: 'exited', reason: 'oom_killed', exitCode: 137, enforced: { cpus: true, memory: true, pids: true, ioWeight: false, note } }),
    ]);
    // The newest job (8) is selected first.
    let text = await waitForText(term, 'exit code 137');
    expect(panel(text)).toContain('not enforced: IO weight');
    expect(panel(text).replace(/\s+/g, '')).toContain(note.replace(/\s+/g, ''));
    term.press('j');
    text = await waitForText(term, (t) => panel(t).includes('#7 fetcher'));
    // The table cuts the reason; the panel has all of it, wrapped.
    expect(panel(text).replace(/\s+/g, '')).toContain(reason.replace(/\s+/g, ''));
    expect(text.split('\n').find((l) => l.includes(' 7 fetcher'))).toContain('…');
  });

  it('the job panel follows a running job\'s CPU and memory', async () => {
    const { term } = await start([makeJob({ id: 9, name: 'busy', cpus: 0.5 })], {
      'job.stats': () => ({ at: new Date().toISOString(), cpuPercent: 42.5, cpuPercentOfLimit: 85, memoryBytes: 48 * 1024 * 1024, memoryLimitBytes: 64 * 1024 * 1024, pids: 3, blkioReadBytes: 0, blkioWriteBytes: 2048 }),
    });
    const text = await waitForText(term, (t) => panel(t).includes('CPU 42.5%'));
    expect(panel(text)).toContain('CPU 42.5% (85% of 0.5)');
    expect(panel(text)).toContain('MEM 48 MiB / 64 MiB 75%');
    expect(panel(text)).toContain('PIDS 3');
  });

  it('shows the disconnected state with its countdown', async () => {
    const { term, conn } = await start([]);
    await waitForText(term, 'connected');
    conn.setState({ kind: 'disconnected', attempt: 2, retryAt: Date.now() + 4000, error: 'connection closed (1006)' });
    const text = await waitForText(term, 'disconnected, retrying in');
    expect(text.split('\n')[0]).toMatch(/disconnected, retrying in [34]s/);
  });

  it('? shows help generated from the keybinding table', async () => {
    const { term } = await start([]);
    await waitForText(term, 'connected');
    term.press('?');
    const text = await waitForText(term, 'Keys');
    expect(text).toContain('remove the job and its logs (asks first)');
    expect(text).toContain('go to the end and follow');
  });

  it('re-lays out on resize', async () => {
    const { term } = await start([makeJob({ id: 1, name: 'alpha' })]);
    await waitForText(term, 'alpha');
    term.resize(100, 30);
    // The table's top border ends at the new right edge and the header row still fits.
    const text = await waitForText(term, (t) => t.split('\n')[1]?.trimEnd().length === 100);
    expect(text.split('\n')[1]?.endsWith('┐')).toBe(true);
    expect(text).toMatch(/IO TIME\s*│/);
    expect(text).toMatch(/1 alpha/);
  });
});
