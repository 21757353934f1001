import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, formatBytes, invalidParamsList, RpcError, type Job, type SystemInfo } from '../../../server/protocol/index.js';
import { createApp, type App } from '../../../tui/app.js';
import { createDashboard, type Dashboard } from '../../../tui/views/dashboard.js';
import { makeJob } from '../../support/job.js';
import { waitFor } from '../../support/wait.js';
import { createHeadlessTerminal, keys, type HeadlessTerminal } from './headless-screen.js';
import { createStubConnection, pagedList, type StubConnection } from './stub-connection.js';

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

async function start(jobs: Job[], extra: Parameters<typeof createStubConnection>[0] = {}, size: readonly [number, number] = [140, 40], statsIntervalMs = 60_000): Promise<Harness> {
  const term = createHeadlessTerminal(size[0], size[1]);
  const conn = createStubConnection({
    'events.subscribe': () => ({ subscription: 'ev1' }),
    'system.info': () => info,
    'job.list': pagedList(jobs),
    'job.logs': ({ id }) => ({ id, text: '', chunks: [], size: 0, truncated: false }),
    'job.follow': () => ({ subscription: 'f1' }),
    'job.unfollow': () => ({ ok: true }),
    'job.stats': () => {
      throw new RpcError(ErrorCode.JobNotRunning);
    },
    ...extra,
  });
  const app = createApp(conn, { url: 'ws://test:5000/rpc', onQuit: () => {}, followDelayMs: 0, statsIntervalMs });
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
    expect(header).toContain('CPU 0/2 MEM 0 B/4.0 GiB');
    expect(header).toContain('● connected');
    expect(text).toContain('no jobs yet: press n to create one');
  });

  for (const size of [[80, 24], [160, 45]] as const) {
    it(`${size[0]}x${size[1]}: against a server without system.info's allocated, the header's host bar sums the pending and running jobs, beside the connection state`, async () => {
      const jobs = [
        makeJob({ id: 1, name: 'run', cpus: 0.5, memoryMb: 256 }),
        makeJob({ id: 2, name: 'wait', status: 'pending', startedAt: null, cpus: 1, memoryMb: 768 }),
        makeJob({ id: 3, name: 'gone', status: 'exited', reason: 'completed', exitCode: 0, cpus: 2, memoryMb: 2048 }),
      ];
      // A server from before v1.1 sends no `allocated`.
      const older = { 'system.info': () => ({ ...info, allocated: undefined }) as unknown as typeof info };
      const { term, conn } = await start(jobs, older, size);
      let header = (await waitForText(term, 'CPU 1.5/2')).split('\n')[0] ?? '';
      expect(header).toContain('CPU 1.5/2 MEM 1.0 GiB/4.0 GiB');
      expect(header).toContain('● connected');
      // A job finishing gives its share back.
      conn.emit('job.updated', { job: { ...jobs[0]!, status: 'exited', reason: 'completed', exitCode: 0 } });
      header = (await waitForText(term, 'CPU 1/2')).split('\n')[0] ?? '';
      expect(header).toContain('CPU 1/2 MEM 768 MiB/4.0 GiB');
      expect(header).toContain('● connected');
    });
  }

  it('the host bar takes system.info\'s allocated when the server sends it (all users\' jobs), read again after updates', async () => {
    let allocated = { cpus: 1.75, memoryMb: 3072 };
    const job = makeJob({ id: 1, cpus: 0.5, memoryMb: 256 });
    const { term, conn } = await start([job], { 'system.info': () => ({ ...info, allocated }) });
    let header = (await waitForText(term, 'CPU 1.75/2')).split('\n')[0] ?? '';
    expect(header).toContain('CPU 1.75/2 MEM 3.0 GiB/4.0 GiB');
    // Another user's jobs end on the server: the next update brings the new figures.
    allocated = { cpus: 0.5, memoryMb: 256 };
    conn.emit('job.updated', { job: { ...job, progress: 'x' } });
    header = (await waitForText(term, 'CPU 0.5/2')).split('\n')[0] ?? '';
    expect(header).toContain('CPU 0.5/2 MEM 256 MiB/4.0 GiB');
  });

  it('table rows, kept live from job.updated without a re-list', async () => {
    const { term, conn } = await start([makeJob({ id: 1, name: 'alpha' }), makeJob({ id: 2, name: 'beta', status: 'pending', startedAt: null })]);
    let text = await waitForText(term, 'beta');
    const rows = text.split('\n').filter((l) => /│\s+\d+ /.test(l));
    expect(rows[0]).toMatch(/2 beta\s+pending\s+echo hi\s+busybox/);
    expect(rows[1]).toMatch(/1 alpha\s+running\s+echo hi\s+busybox/);
    const lists = conn.calls.filter((c) => c.method === 'job.list').length;
    conn.emit('job.updated', { job: makeJob({ id: 1, name: 'alpha', status: 'exited', reason: 'oom_killed', exitCode: 137, finishedAt: '2026-01-01T00:00:09.000Z' }) });
    text = await waitForText(term, 'exited (oom_killed)');
    expect(text).toMatch(/1 alpha\s+exited \(oom_killed\)\s+echo hi\s+busybox\s+137/);
    expect(conn.calls.filter((c) => c.method === 'job.list').length).toBe(lists);
    conn.emit('job.removed', { id: 2 });
    text = await waitForText(term, (t) => !t.includes('beta'));
    expect(text).toContain('Jobs 1/1 ');
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
    expect(text).toContain('/needle 2/2');
    term.press('N');
    text = await waitForText(term, '/needle 1/2');
    expect(text).toContain('needle 10');
    expect(app.logs.matchSeq).toBe(10);
    // n/N wrap round the ends, and say so.
    term.press('N');
    text = await waitForText(term, '/needle 2/2');
    expect(text).toContain('search hit the top, continued from the end');
    term.press('n');
    text = await waitForText(term, '/needle 1/2');
    expect(text).toContain('search hit the end, continued from the top');
    // The prompt starts empty (typing does not append to the last term); Ctrl-U empties it.
    term.press('/');
    await waitForText(term, /search log: █/);
    for (const ch of 'xx') term.press(ch);
    await waitForText(term, 'search log: xx█');
    term.press(keys.ctrlU);
    await waitForText(term, /search log: █/);
    for (const ch of 'hay 5') term.press(ch);
    term.press(keys.enter);
    text = await waitForText(term, '/hay 5 1/11');
    // Esc in the prompt clears the search.
    term.press('/', keys.escape);
    text = await waitForText(term, (t) => !t.includes('/hay 5'));
    expect(text).toContain('Logs: job 5 talker');
  });

  it('a search term belongs to its job: another job\'s title does not show it', async () => {
    const { term, conn } = await start([makeJob({ id: 5, name: 'talker' }), makeJob({ id: 4, name: 'quiet' })]);
    await waitForText(term, 'Logs: job 5 talker');
    await waitFor('job.follow', async () => conn.calls.some((c) => c.method === 'job.follow'), 3000);
    term.press('l', '/');
    for (const ch of 'abc') term.press(ch);
    term.press(keys.enter);
    await waitForText(term, '/abc 0/0');
    term.press(keys.escape, 'j');
    const text = await waitForText(term, 'Logs: job 4 quiet');
    expect(text).not.toContain('/abc');
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
    term.press(keys.ctrlS);
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

  for (const size of [[80, 24], [160, 45]] as const) {
    it(`${size[0]}x${size[1]}: s shows stopping… from the keypress until job.updated says how it ended`, async () => {
      let answer: (j: Job) => void = () => {};
      const { term, conn } = await start(
        [makeJob({ id: 3, name: 'victim' })],
        { 'job.stop': () => new Promise<Job>((r) => (answer = r)) },
        size,
      );
      await waitForText(term, 'victim');
      term.press('s');
      await waitForText(term, 'Stop job 3 (victim)?');
      term.press('y');
      let text = await waitForText(term, 'stopping…');
      expect(text.split('\n').find((l) => l.includes('victim') && l.includes('│'))).toContain('stopping…');
      // A second s on a stopping job offers the kill instead.
      term.press('s');
      text = await waitForText(term, 'Kill job 3 (victim)?');
      term.press('n');
      conn.emit('job.updated', { job: makeJob({ id: 3, name: 'victim', status: 'exited', reason: 'stopped', exitCode: 143 }) });
      answer(makeJob({ id: 3, name: 'victim', status: 'running', progress: 'stopping' }));
      text = await waitForText(term, 'exited (stopped)');
      // The late reply (still "stopping") does not undo the newer update.
      await new Promise((r) => setTimeout(r, 50));
      expect(await term.text()).not.toContain('stopping…');
    });

    it(`${size[0]}x${size[1]}: K kills after a confirmation naming the job`, async () => {
      const { term, conn } = await start([makeJob({ id: 4, name: 'stubborn' })], {}, size);
      await waitForText(term, 'stubborn');
      term.press('K');
      await waitForText(term, 'Kill job 4 (stubborn)?');
      expect(conn.calls.some((c) => (c.method as string) === 'job.kill')).toBe(false);
      term.press('y');
      // The stub has no job.kill (nor has the protocol yet): the call is made and its error shown.
      await waitForText(term, 'kill: stub has no job.kill');
      expect(conn.calls.find((c) => (c.method as string) === 'job.kill')?.params).toEqual({ id: 4 });
    });
  }

  for (const size of [[80, 24], [160, 45]] as const) {
    it(`${size[0]}x${size[1]}: the table has a COMMAND column and the panel the whole spec`, async () => {
      const job = {
        ...makeJob({ id: 1234567, name: 'web', cmd: 'python3 -m http.server 8000', image: 'python:3.12-alpine', env: { PORT: '8000', MODE: 'x' } }),
        ports: [8000],
        ip: '172.17.0.5',
        endpoints: [{ port: 8000, path: '/jobs/1234567/ports/8000/' }],
      };
      const { term } = await start([job, makeJob({ id: 1234566, name: 'other', status: 'exited', reason: 'completed', exitCode: 0, finishedAt: '2026-01-01T00:00:09.000Z' })], {}, size);
      const text = await waitForText(term, (t) => panel(t).includes('#1234567 web'));
      expect(text).toMatch(/ID NAME\s+STATUS\s+COMMAND/);
      expect(text).toMatch(/1234567 web\s+running\s+python3 -m http/);
      expect(text).toMatch(/1234566 other\s+exited \(completed\)/);
      const p = panel(text).replace(/\s+/g, ' ');
      expect(p).toContain('#1234567 web');
      expect(p).toContain('$ python3 -m http.server 8000');
      if (size[1] >= 45) {
        // Tall enough for all of it: the image, network and IP, ports, endpoints, env names, times.
        expect(p).toContain('image python:3.12-alpine');
        expect(p).toContain('network bridge · ip 172.17.0.5');
        expect(p).toContain('ports 8000');
        expect(p).toContain('/jobs/1234567/ports/8000/');
        expect(p).toContain('env PORT MODE');
        expect(p).toContain('started 2026-01-01 00:00:01Z');
      }
    });
  }

  it('80x24: the header keeps the connection state, the panel its values, the help its border and scrolls', async () => {
    const { term } = await start(
      [makeJob({ id: 9, name: 'busy', cpus: 0.5, memoryMb: 256 }), makeJob({ id: 8, name: 'done', status: 'exited', reason: 'failed', exitCode: 137, finishedAt: '2026-01-01T00:00:09.000Z' })],
      { 'job.stats': () => ({ at: new Date().toISOString(), cpuPercent: 42.5, cpuPercentOfLimit: 85, memoryBytes: 48 * 1024 * 1024, memoryLimitBytes: 256 * 1024 * 1024, pids: 3, blkioReadBytes: 0, blkioWriteBytes: 2048 }) },
      [80, 24],
    );
    let text = await waitForText(term, (t) => panel(t).includes('MEM'));
    expect(text.split('\n')[0]).toContain('● connected');
    expect(panel(text)).toContain('MEM 48 MiB / 256 MiB 19%');
    term.press('j');
    text = await waitForText(term, (t) => panel(t).includes('#8 done'));
    expect(panel(text)).toContain('exit code 137');

    term.press('?');
    text = await waitForText(term, 'Keys');
    const lines = text.split('\n');
    const top = lines.findIndex((l) => l.includes('─ Keys '));
    const col = lines[top]!.indexOf('┌─ Keys');
    const bottom = lines.findIndex((l, i) => i > top && l[col] === '└');
    expect(bottom, 'the help box has a bottom border on screen').toBeGreaterThan(top);
    expect(bottom).toBeLessThan(23);
    expect(text).toContain('more: j/k, PgDn');
    for (let i = 0; i < 30; i++) term.press('j');
    text = await waitForText(term, 'Esc or ? closes this help');
    expect(text).toContain('previous match');
  });

  for (const size of [[80, 24], [160, 45]] as const) {
    it(`${size[0]}x${size[1]}: earlier output that is not held says so at the top of the pane`, async () => {
      const { term, conn } = await start(
        [makeJob({ id: 5, name: 'talker' })],
        // The tail read started 3 MiB into a bigger log.
        { 'job.logs': ({ id }) => ({ id, text: 'tail line\n', chunks: [{ stream: 'stdout', text: 'tail line\n' }], size: 3 * 1024 * 1024 + 10, truncated: true }) },
        size,
      );
      await waitFor('job.follow', async () => conn.calls.some((c) => c.method === 'job.follow'), 3000);
      let text = await waitForText(term, '── 3.0 MiB of earlier output not shown ──');
      const data = Array.from({ length: 20_000 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
      const from = 3 * 1024 * 1024 + 10;
      conn.emit('job.log', { subscription: 'f1', id: 5, stream: 'stdout', data, offset: from, nextOffset: from + Buffer.byteLength(data), at: '2026-01-01T00:00:00.000Z' });
      await waitForText(term, 'line 20000');
      term.press('l', 'g');
      // 20,001 lines arrived, the ring holds 5,000: the first held is "line 15001".
      text = await waitForText(term, '── 15,001 lines + 3.0 MiB not shown ──');
      expect(text).toMatch(/not shown ──[^\n]*│?\n[^\n]*line 15001\b/);
    });
  }

  for (const size of [[80, 24], [160, 45]] as const) {
    it(`${size[0]}x${size[1]}: the form marks every bad field of a -32602 at once`, async () => {
      const { term } = await start(
        [],
        {
          'job.create': () => {
            throw invalidParamsList([
              { field: 'name', reason: 'must be 1-63 characters' },
              { field: 'image', reason: 'must be an image reference' },
              { field: 'cpus', reason: 'must be at most 2 (host CPUs)' },
              { field: 'memoryMb', reason: 'must be at least 6' },
            ]);
          },
        },
        size,
      );
      await waitForText(term, 'connected');
      term.press('n');
      await waitForText(term, 'New job');
      term.press(keys.ctrlS);
      const text = await waitForText(term, '! CPUs: must be at most 2');
      const lines = text.split('\n');
      for (const [label, reason] of [['Name', 'must be 1-63 characters'], ['Image', 'must be an image reference'], ['CPUs', 'must be at most 2 (host CPUs)'], ['Memory MB', 'must be at least 6']]) {
        const at = lines.findIndex((l) => l.includes(`! ${label}: ${reason}`));
        expect(at, `${label} marked`).toBeGreaterThan(0);
        expect(lines[at - 1]).toContain(label);
      }
      // The whole form is on screen, with its bottom border.
      expect(text).toMatch(/Network\s+bridge/);
    });

    it(`${size[0]}x${size[1]}: c opens the form filled from the selected job`, async () => {
      const { term, conn } = await start(
        [makeJob({ id: 6, name: 'monitor-time', cmd: 'while true; do date; sleep 5; done', cpus: 0.2, memoryMb: 64, ioWeight: 300 })],
        { 'job.create': (spec) => makeJob({ id: 7, name: spec.name }) },
        size,
      );
      await waitForText(term, 'monitor-time');
      term.press('c');
      const text = await waitForText(term, 'cloned from job 6');
      expect(text).toMatch(/Name\s+monitor-time-2/);
      expect(text).toMatch(/Command\s+while true; do date; sleep 5; done/);
      expect(text).toMatch(/CPUs\s+0\.2/);
      expect(text).toMatch(/Memory MB\s+64/);
      expect(text).toMatch(/IO weight\s+300/);
      term.press(keys.ctrlS);
      await waitForText(term, 'created job 7 (monitor-time-2)');
      expect(conn.calls.find((c) => c.method === 'job.create')?.params).toMatchObject({ name: 'monitor-time-2', cmd: 'while true; do date; sleep 5; done', cpus: 0.2, memoryMb: 64, ioWeight: 300 });
    });
  }

  it('Esc on a form with typing asks before discarding it', async () => {
    const { term } = await start([]);
    await waitForText(term, 'connected');
    term.press('n');
    await waitForText(term, 'New job');
    term.press('x', keys.escape);
    await waitForText(term, 'Discard this new job?');
    term.press('n');
    let text = await waitForText(term, (t) => !t.includes('Discard this new job?'));
    expect(text).toMatch(/Name\s+x/);
    term.press(keys.escape);
    await waitForText(term, 'Discard this new job?');
    term.press('y');
    text = await waitForText(term, 'new job discarded');
    expect(text).not.toContain('New job');
  });

  it('the table title says where the selection is; o sorts; X removes every finished job after saying how many', async () => {
    const jobs = [
      makeJob({ id: 1, name: 'zeta', status: 'exited', reason: 'completed', exitCode: 0 }),
      makeJob({ id: 2, name: 'alpha', status: 'error', reason: 'image nope: not found' }),
      makeJob({ id: 3, name: 'mid' }),
    ];
    const { term, conn } = await start(jobs, {
      'job.removeMany': ({ status }) => ({ removed: jobs.filter((j) => j.status === status).map((j) => j.id) }),
    }, [80, 24]);
    let text = await waitForText(term, 'Jobs 1/3');
    term.press('j');
    await waitForText(term, 'Jobs 2/3');
    term.press('o');
    text = await waitForText(term, 'sort name');
    const names = text.split('\n').filter((l) => /│\s*\d+ \w/.test(l)).map((l) => /│\s*\d+ (\w+)/.exec(l)?.[1]);
    expect(names).toEqual(['alpha', 'mid', 'zeta']);
    term.press('X');
    await waitForText(term, 'Remove 2 finished jobs?');
    expect(conn.calls.some((c) => c.method === 'job.removeMany')).toBe(false);
    term.press('y');
    text = await waitForText(term, 'removed 2 finished jobs');
    expect(conn.calls.filter((c) => c.method === 'job.removeMany').map((c) => c.params)).toEqual([{ status: 'exited' }, { status: 'error' }]);
    expect(text).toContain('Jobs 1/1');
    expect(text).not.toMatch(/zeta|alpha/);
  });

  for (const size of [[80, 24], [160, 45]] as const) {
    it(`${size[0]}x${size[1]}: W wraps long lines; SGR colour codes do not show as text`, async () => {
      const { term, conn } = await start([makeJob({ id: 5, name: 'talker' })], {}, size);
      await waitFor('job.follow', async () => conn.calls.some((c) => c.method === 'job.follow'), 3000);
      const long = `start ${'x'.repeat(300)} tail-end`;
      const data = `\x1b[31mred words\x1b[0m plain\n${long}\n`;
      conn.emit('job.log', { subscription: 'f1', id: 5, stream: 'stdout', data, offset: 0, nextOffset: Buffer.byteLength(data), at: '2026-01-01T00:00:00.000Z' });
      let text = await waitForText(term, 'red words plain');
      expect(text).not.toContain('[31m');
      expect(text).toMatch(/start x+…/);
      expect(text).not.toContain('tail-end');
      term.press('W');
      text = await waitForText(term, 'tail-end');
      expect(text).toContain('long lines wrap');
      expect(text).toContain('red words plain');
      term.press('W', 't');
      text = await waitForText(term, '00:00:00.000 red words plain');
      expect(text).toMatch(/00:00:00\.000 start x+…/);
    });
  }

  it('mouse: a click selects a row, the wheel moves the selection', async () => {
    const { term } = await start([makeJob({ id: 1, name: 'one' }), makeJob({ id: 2, name: 'two' }), makeJob({ id: 3, name: 'three' })], {}, [80, 24]);
    let text = await waitForText(term, (t) => panel(t).includes('#3 three'));
    const row = text.split('\n').findIndex((l) => /│\s*1 one/.test(l));
    // xterm SGR mouse reports, 1-based: button 0 down, then up, on the row of job 1.
    term.press(`\x1b[<0;10;${row + 1}M`, `\x1b[<0;10;${row + 1}m`);
    text = await waitForText(term, (t) => panel(t).includes('#1 one'));
    expect(text).toContain('Jobs 3/3');
    term.press(`\x1b[<64;10;${row + 1}M`);
    await waitForText(term, 'Jobs 1/3');
  });

  it('a finished job: the end marker goes below the last stderr line (its E| kept), the title says finished', async () => {
    const { term, conn } = await start([makeJob({ id: 5, name: 'talker' })]);
    await waitFor('job.follow', async () => conn.calls.some((c) => c.method === 'job.follow'), 3000);
    const data = 'last words';
    conn.emit('job.log', { subscription: 'f1', id: 5, stream: 'stderr', data, offset: 0, nextOffset: data.length, at: '2026-01-01T00:00:00.000Z' });
    await waitForText(term, 'E| last words');
    conn.emit('job.updated', { job: makeJob({ id: 5, name: 'talker', status: 'exited', reason: 'failed', exitCode: 1, finishedAt: '2026-01-01T00:00:09.000Z' }) });
    conn.emit('job.logEnd', { subscription: 'f1', id: 5, offset: data.length, reason: 'finished' });
    const text = await waitForText(term, 'end of output');
    const lines = text.split('\n');
    const end = lines.findIndex((l) => l.includes('── end of output ──'));
    expect(lines[end - 1]).toMatch(/│E\| last words/);
    expect(text).toContain('Logs: job 5 talker │ finished');
    expect(text).not.toContain('following');
  });

  it("filter asks the server's search as you type (once typing pauses) and shows its count", async () => {
    const { term, conn } = await start([makeJob({ id: 1, name: 'web' }), makeJob({ id: 2, name: 'batch' })]);
    await waitForText(term, 'batch');
    term.press('/');
    for (const ch of 'we') term.press(ch);
    // The log pane moves to the job left selected once the selection rests.
    let text = await waitForText(term, (t) => /Jobs 1\/1 filter "we" /.test(t) && t.includes('Logs: job 1 web'));
    expect(text).not.toContain('batch');
    const searches = conn.calls.filter((c) => c.method === 'job.list').map((c) => (c.params as { search?: string }).search);
    expect(searches).toEqual([undefined, 'we']);
    // Enter keeps the filter and the job table keeps the keys (one Enter is one key, not two).
    term.press(keys.enter);
    text = await waitForText(term, 'n new');
    expect(text).toContain('filter "we"');
    // Esc in the table clears it, as does Esc in the prompt.
    term.press(keys.escape);
    text = await waitForText(term, 'batch');
    expect(text).not.toContain('filter "');
    term.press('/', 'b', 'a');
    // Until the server answers, the label says the filter is on its way.
    text = await waitForText(term, /filter "ba"… /);
    text = await waitForText(term, /Jobs 1\/1 filter "ba" /);
    expect(text).not.toMatch(/│\s*1 web/);
    term.press(keys.escape);
    text = await waitForText(term, (t) => /│\s*1 web/.test(t) && t.includes('batch'));
    expect(text).not.toContain('filter "');
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

  const busyStats = (n: number) => ({ at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), cpuPercent: 42.5, cpuPercentOfLimit: n % 2 ? 40 : 10, memoryBytes: 48 * 1024 * 1024, memoryLimitBytes: 256 * 1024 * 1024, pids: 3, blkioReadBytes: 0, blkioWriteBytes: 2048 });

  it('160x45: a running job with samples gets a line chart of CPU and memory against its limits', async () => {
    let n = 0;
    const { term } = await start([makeJob({ id: 9, name: 'busy', cpus: 0.5, memoryMb: 256 })], { 'job.stats': () => busyStats(++n) }, [160, 45], 20);
    const text = await waitForText(term, (t) => n >= 6 && t.includes('% of limits'));
    const lines = text.split('\n');
    const top = lines.findIndex((l) => l.includes('─ % of limits: CPU '));
    expect(lines[top]).toMatch(/% of limits: CPU (40|10)% MEM 19%/);
    const left = lines[top]!.lastIndexOf('┌');
    const chart = lines.slice(top + 1, lines.findIndex((l, i) => i > top && l[left] === '└')).map((l) => l.slice(left));
    // The y axis in percent up to the limit (not to the samples' 40%), braille lines, and the time
    // axis ending now.
    expect(chart.join('\n')).toMatch(/^│\s+75 ⡇/m);
    expect(chart.join('\n')).toMatch(/^│\s+0\s+⡇/m);
    expect(chart.filter((l) => /[\u2801-\u28ff]{3}/.test(l.slice(6))).length).toBeGreaterThan(2);
    expect(chart.join('\n')).toMatch(/-\d+s .*now/);
    // The panel above keeps the figures and leaves the history to the chart.
    expect(panel(text)).toContain('CPU 42.5%');
    expect(panel(text)).toContain('MEM 48 MiB / 256 MiB 19%');
    expect(panel(text)).not.toMatch(/[▁▂▃▄▅▆▇█]{2}/);
  });

  it('80x24: no room for the line chart, the panel draws sparklines against the limits', async () => {
    let n = 0;
    const { term } = await start([makeJob({ id: 9, name: 'busy', cpus: 0.5, memoryMb: 256 })], { 'job.stats': () => busyStats(++n) }, [80, 24], 20);
    const text = await waitForText(term, (t) => n >= 6 && /[▁▂▃▄▅▆▇█]{5}/.test(panel(t)));
    expect(text).not.toContain('% of limits');
    expect(text.split('\n')[0]).toContain('● connected');
    const p = panel(text).split('\n');
    const cpu = p.findIndex((l) => l.includes('CPU 42.5% ('));
    expect(p[cpu]).toMatch(/\((40|10)% of 0\.5\)/);
    // 40% and 10% of the limit alternate: mid and low bars; memory at 19% of its limit is low.
    expect(p[cpu + 1]).toMatch(/(▄▂){2}|(▂▄){2}/);
    expect(p[cpu + 2]).toContain('MEM 48 MiB / 256 MiB 19%');
    expect(p[cpu + 3]).toMatch(/^ ▂{5}/);
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
    expect(text).toMatch(/ID NAME\s+STATUS\s+COMMAND/);
    expect(text).toMatch(/1 alpha/);
  });
});

describe('w: the whole log to a file', () => {
  // A log far larger than any tail, with multi-byte characters.
  const whole = Array.from({ length: 20_000 }, (_, i) => `line ${i + 1} ✓\n`).join('');
  const bytes = Buffer.from(whole);

  /** job.follow answers, then sends the log from the offset asked for in ~4 KiB chunks and ends it. */
  function streamingLog(conn: () => StubConnection) {
    let subs = 0;
    return {
      'job.logs': ({ id, tailBytes }: { id: number; tailBytes?: number }) => {
        const tail = bytes.subarray(Math.max(0, bytes.length - (tailBytes ?? 0))).toString();
        return { id, text: tail, chunks: [{ stream: 'stdout' as const, text: tail, at: '2026-01-01T00:00:00.000Z' }], size: bytes.length, truncated: true };
      },
      'job.follow': ({ id, fromOffset }: { id: number; fromOffset?: number }) => {
        const subscription = `f${++subs}`;
        setTimeout(() => {
          for (let o = fromOffset ?? 0, next = o; o < bytes.length; o = next) {
            // Cut on characters, as the server does: never inside a UTF-8 sequence.
            next = Math.min(bytes.length, o + 4096);
            while ((bytes[next]! & 0xc0) === 0x80) next--;
            conn().emit('job.log', { subscription, id, stream: 'stdout', data: bytes.subarray(o, next).toString(), offset: o, nextOffset: next, at: '2026-01-01T00:00:00.000Z' });
          }
          conn().emit('job.logEnd', { subscription, id, offset: bytes.length, reason: 'finished' });
        }, 0);
        return { subscription };
      },
    };
  }

  it('w offers ./<name>.log; Enter on another path writes a file identical to the whole log and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cjm-tui-save-'));
    try {
      const h: Harness = await start([makeJob({ id: 5, name: 'big', status: 'exited', reason: 'completed', exitCode: 0 })], streamingLog(() => h.conn));
      const { term } = h;
      await waitForText(term, 'big');
      term.press('w');
      await waitForText(term, 'save the log of job 5 to: ./big.log');
      term.press(keys.ctrlU);
      const path = join(dir, 'out.log');
      for (const ch of path) term.press(ch);
      term.press(keys.enter);
      await waitForText(term, `saved ${formatBytes(bytes.length)} to ${path}`);
      expect(await readFile(path)).toEqual(bytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a path that cannot be written is an error naming it, and nothing is read', async () => {
    const { term, conn } = await start([makeJob({ id: 5, name: 'big' })], streamingLog(() => conn));
    await waitForText(term, 'big');
    term.press('w');
    await waitForText(term, './big.log');
    term.press(keys.ctrlU);
    for (const ch of '/nonexistent-dir/x.log') term.press(ch);
    const follows = conn.calls.filter((c) => c.method === 'job.follow').length;
    term.press(keys.enter);
    await waitForText(term, 'save log: cannot write /nonexistent-dir/x.log: ENOENT');
    expect(conn.calls.filter((c) => c.method === 'job.follow').length).toBe(follows);
  });
});
