import { describe, expect, it } from 'vitest';
import { createLogPane, earlierMarker } from '../../../tui/log-pane.js';
import { createStubConnection } from './stub-connection.js';

function setup() {
  let subs = 0;
  const conn = createStubConnection({
    'job.logs': ({ id }) => ({ id, text: 'old\n', chunks: [{ stream: 'stdout', text: 'old\n' }], size: 4, truncated: false }),
    'job.follow': () => ({ subscription: `sub${++subs}` }),
    'job.unfollow': () => ({ ok: true }),
  });
  return conn;
}
// The pane reads the shared follower's events asynchronously: let them through.
const flush = () => new Promise((r) => setTimeout(r, 0));
const texts = (p: ReturnType<typeof createLogPane>) => p.window(100).map((l) => (l.kind === 'stderr' ? `E:${l.text}` : l.text));

describe('log pane model', () => {
  it('shows the tail, then follows from its end', async () => {
    const conn = setup();
    await conn.start();
    const pane = createLogPane(conn);
    await pane.show(5);
    expect(conn.calls.find((c) => c.method === 'job.follow')?.params).toEqual({ id: 5, fromOffset: 4 });
    conn.emit('job.log', { subscription: 'sub1', id: 5, stream: 'stderr', data: 'new\n', offset: 4, nextOffset: 8, at: '2026-01-01T00:00:00.000Z' });
    await flush();
    expect(texts(pane)).toEqual(['old', 'E:new']);
  });

  it('resumes from the last offset after a reconnect; a replayed chunk is not shown twice', async () => {
    const conn = setup();
    await conn.start();
    const pane = createLogPane(conn);
    await pane.show(5);
    conn.emit('job.log', { subscription: 'sub1', id: 5, stream: 'stdout', data: 'a\nb\n', offset: 4, nextOffset: 8, at: '2026-01-01T00:00:00.000Z' });
    await flush();
    await pane.resume();
    expect(conn.calls.filter((c) => c.method === 'job.follow').at(-1)?.params).toEqual({ id: 5, fromOffset: 8 });
    conn.emit('job.log', { subscription: 'sub2', id: 5, stream: 'stdout', data: 'b\nc\n', offset: 6, nextOffset: 10, at: '2026-01-01T00:00:00.000Z' });
    await flush();
    expect(texts(pane)).toEqual(['old', 'a', 'b', 'c']);
  });

  it('on a dropped follow it follows again from where the screen is', async () => {
    const conn = setup();
    await conn.start();
    const pane = createLogPane(conn);
    await pane.show(5);
    conn.emit('job.log', { subscription: 'sub1', id: 5, stream: 'stdout', data: 'x\n', offset: 4, nextOffset: 6, at: '2026-01-01T00:00:00.000Z' });
    conn.emit('job.logEnd', { subscription: 'sub1', id: 5, offset: 5, reason: 'dropped' });
    await new Promise((r) => setTimeout(r, 0));
    expect(conn.calls.filter((c) => c.method === 'job.follow').at(-1)?.params).toEqual({ id: 5, fromOffset: 6 });
  });

  it('ignores other jobs, marks the end of output, and unfollows when switching job', async () => {
    const conn = setup();
    await conn.start();
    const pane = createLogPane(conn);
    await pane.show(5);
    conn.emit('job.log', { subscription: 'other', id: 6, stream: 'stdout', data: 'not mine\n', offset: 0, nextOffset: 9, at: '2026-01-01T00:00:00.000Z' });
    conn.emit('job.logEnd', { subscription: 'sub1', id: 5, offset: 4, reason: 'finished' });
    await flush();
    expect(texts(pane)).toEqual(['old', '── end of output ──']);
    await pane.show(6);
    expect(conn.calls.some((c) => c.method === 'job.unfollow')).toBe(false); // sub1 had already ended
    await pane.show(5);
    expect(conn.calls.filter((c) => c.method === 'job.unfollow').map((c) => c.params)).toEqual([{ subscription: 'sub2' }]);
  });

  it('scrolling up pauses at a line that stays put while new lines arrive; follow() resumes', async () => {
    const conn = setup();
    await conn.start();
    const pane = createLogPane(conn, { capacity: 1000 });
    await pane.show(5);
    let off = 4;
    const say = (t: string) => {
      conn.emit('job.log', { subscription: 'sub1', id: 5, stream: 'stdout', data: t, offset: off, nextOffset: off + t.length, at: '2026-01-01T00:00:00.000Z' });
      off += t.length;
    };
    for (let i = 0; i < 50; i++) say(`l${i}\n`);
    await flush();
    pane.scroll(-5, 10);
    expect(pane.following).toBe(false);
    const before = pane.window(10).map((l) => l.text);
    say('more\n');
    await flush();
    expect(pane.window(10).map((l) => l.text)).toEqual(before);
    pane.follow();
    expect(pane.window(10).at(-1)?.text).toBe('more');
  });
});

describe('log pane: an end that beats the follow answer', () => {
  it('is kept and applied once the subscription is known', async () => {
    let emitEnd: () => void = () => {};
    const conn = createStubConnection({
      'job.logs': ({ id }) => ({ id, text: 'done\n', chunks: [{ stream: 'stdout', text: 'done\n' }], size: 5, truncated: false }),
      'job.follow': () => {
        emitEnd();
        return { subscription: 'subE' };
      },
    });
    emitEnd = () => conn.emit('job.logEnd', { subscription: 'subE', id: 7, offset: 5, reason: 'finished' });
    await conn.start();
    const pane = createLogPane(conn);
    await pane.show(7);
    await flush();
    expect(pane.window(10).map((l) => l.text)).toEqual(['done', '── end of output ──']);
  });
});

describe('earlier-output marker', () => {
  it('counts lines with separators, bytes in binary units', () => {
    expect(earlierMarker(15004, 0)).toBe('── 15,004 earlier lines not shown (w saves the whole log) ──');
    expect(earlierMarker(1, 0)).toBe('── 1 earlier line not shown (w saves the whole log) ──');
    expect(earlierMarker(0, 3 * 1024 * 1024)).toBe('── 3.0 MiB of earlier output not shown ──');
    expect(earlierMarker(20, 2048)).toBe('── 20 lines + 2.0 KiB not shown ──');
  });
});
