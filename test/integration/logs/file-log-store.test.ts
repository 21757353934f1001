// The file log store on the real dockerd: capture, tail, follow, cap, resume after a SIGKILL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogFollowChunk, LogStore } from '../../../server/core/ports.js';
import { createFileLogStore } from '../../../server/adapters/logs/index.js';
import { removeLabelled, silentLogger, testDocker, testJob, testRunTag } from '../../support/docker.js';
import { createShellContainer, logsRuntime, realClock } from '../../support/logs.js';
import { waitFor } from '../../support/wait.js';
import { sourceNodeArgs } from '../../support/source.js';

const docker = testDocker();
const tag = testRunTag('logs');
let dataDir: string;

function makeStore(maxBytes = 64 * 1024 * 1024): LogStore {
  return createFileLogStore({ runtime: logsRuntime(docker), clock: realClock, logger: silentLogger }, { dataDir, maxBytes });
}

/** Creates the container, captures, starts it, and waits until its log is complete. */
async function runCaptured(store: LogStore, cmd: string) {
  const job = testJob({}, tag);
  const containerId = await createShellContainer(docker, tag, cmd);
  await store.capture(job, containerId);
  await docker.getContainer(containerId).start();
  return { job, containerId };
}

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);

beforeAll(async () => {
  await docker.ping(); // fail, not skip, without dockerd
  dataDir = await mkdtemp(path.join(tmpdir(), 'cjm-logs-'));
});

afterAll(async () => {
  await removeLabelled(docker, `cjm.test=${tag}`);
  await rm(dataDir, { recursive: true, force: true });
});

describe('file log store on real containers', () => {
  it("a launch's capture of a container it just created attaches without asking Docker first, and misses nothing", async () => {
    const runtime = logsRuntime(docker);
    const inspected: string[] = [];
    const store = createFileLogStore(
      { runtime: { ...runtime, inspect: (id) => (inspected.push(id), runtime.inspect(id)) }, clock: realClock, logger: silentLogger },
      { dataDir, maxBytes: 1024 * 1024 },
    );
    const job = testJob({}, tag);
    const containerId = await createShellContainer(docker, tag, 'echo first; seq 1 1000');
    await store.capture(job, containerId, { created: true });
    expect(inspected).toEqual([]);
    await docker.getContainer(containerId).start();
    await store.drained(job.id);
    expect(lines((await store.tail(job.id, 1024 * 1024, 'all')).text)).toEqual(['first', ...Array.from({ length: 1000 }, (_, i) => String(i + 1))]);
    await store.close();
  });

  it('keeps every line of interleaved stdout and stderr, each stream in order, on its stream', async () => {
    const store = makeStore();
    const { job } = await runCaptured(store, 'for i in $(seq 1 200); do echo out$i; echo err$i >&2; done');
    await store.drained(job.id);
    const tail = await store.tail(job.id, 1024 * 1024, 'all');
    const outs = Array.from({ length: 200 }, (_, i) => `out${i + 1}`);
    const errs = Array.from({ length: 200 }, (_, i) => `err${i + 1}`);
    expect(lines(tail.text).filter((l) => l.startsWith('out'))).toEqual(outs);
    expect(lines(tail.text).filter((l) => l.startsWith('err'))).toEqual(errs);
    for (const c of tail.chunks) for (const l of lines(c.text)) expect(l.startsWith(c.stream === 'stdout' ? 'out' : 'err')).toBe(true);
    expect(tail.truncated).toBe(false);
    expect(lines((await store.tail(job.id, 1024 * 1024, 'stderr')).text)).toEqual(errs);
    // A small tail starts at a line boundary.
    const small = await store.tail(job.id, 20, 'stdout');
    expect(small.text).toBe('out199\nout200\n');
    expect(small.truncated).toBe(true);
    await store.close();
  });

  it('keeps the order across streams as Docker delivers it', async () => {
    // Docker copies stdout and stderr in separate goroutines, so writes microseconds apart may swap
    // before cjm sees them; spaced writes arrive in order, and cjm must keep that order exactly.
    // (On this shared host, at load average 11-17 on 2 cores, Docker was seen to swap neighbours even
    // 20 ms apart, in its own json-file as well: hence the allowance of neighbour swaps, while each
    // stream stays strictly ordered.)
    const store = makeStore();
    const { job } = await runCaptured(store, 'for i in $(seq 1 100); do echo out$i; usleep 20000; echo err$i >&2; usleep 20000; done');
    await store.drained(job.id);
    const got = lines((await store.tail(job.id, 1024 * 1024, 'all')).text);
    const expected = Array.from({ length: 100 }, (_, i) => [`out${i + 1}`, `err${i + 1}`]).flat();
    expect([...got].sort()).toEqual([...expected].sort());
    expect(got.filter((l) => l.startsWith('out'))).toEqual(expected.filter((l) => l.startsWith('out')));
    expect(got.filter((l) => l.startsWith('err'))).toEqual(expected.filter((l) => l.startsWith('err')));
    const misplaced = got.filter((l, i) => l !== expected[i]);
    for (const l of misplaced) expect(Math.abs(got.indexOf(l) - expected.indexOf(l))).toBeLessThanOrEqual(1);
    expect(misplaced.length).toBeLessThanOrEqual(20);
    await store.close();
  }, 30_000);

  it('captures the same output once when capture() is called twice at once', async () => {
    const store = makeStore();
    const job = testJob({}, tag);
    const containerId = await createShellContainer(docker, tag, 'seq 1 1000');
    await Promise.all([store.capture(job, containerId), store.capture(job, containerId)]);
    await docker.getContainer(containerId).start();
    await store.drained(job.id);
    expect(lines((await store.tail(job.id, 1024 * 1024, 'all')).text)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i + 1)));
    await store.capture(job, containerId); // complete: a no-op
    expect((await store.tail(job.id, 1024 * 1024, 'all')).size).toBe(Buffer.byteLength(Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join('')));
    await store.close();
  });

  it('resumes after the capturing process is SIGKILLed: every number once, in order', async () => {
    const job = testJob({}, tag);
    const containerId = await createShellContainer(docker, tag, 'i=1; while [ $i -le 200 ]; do echo $i; i=$((i+1)); usleep 50000; done');
    const store = makeStore();
    await killedMidway(job.id, containerId, store);
    await new Promise((r) => setTimeout(r, 1000)); // output goes on while "the server" is down
    await store.capture(job, containerId);
    await store.drained(job.id);
    const after = await store.tail(job.id, 1024 * 1024, 'all');
    expect(lines(after.text)).toEqual(Array.from({ length: 200 }, (_, i) => String(i + 1)));
    await store.close();
  }, 60_000);

  it('resumes a job that finished while the capturing process was dead', async () => {
    const job = testJob({}, tag);
    const cmd = 'i=1; while [ $i -le 100 ]; do echo $i; echo e$i >&2; i=$((i+1)); usleep 20000; done';
    const containerId = await createShellContainer(docker, tag, cmd);
    const store = makeStore();
    await killedMidway(job.id, containerId, store);
    await docker.getContainer(containerId).wait();
    await store.capture(job, containerId);
    await store.drained(job.id);
    const tail = await store.tail(job.id, 1024 * 1024, 'all');
    expect(lines(tail.text).filter((l) => !l.startsWith('e'))).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
    expect(lines(tail.text).filter((l) => l.startsWith('e'))).toEqual(Array.from({ length: 100 }, (_, i) => `e${i + 1}`));
    await store.close();
  }, 60_000);

  it('resumes exactly for the worst output shape, empty lines, up to the cap', async () => {
    // 945,294 bytes, 896,400 of them empty lines: 26 bytes each in Docker's copy (~23.6 MB). A copy
    // sized from the output bytes (json-file at twice the cap, as before) rotates long before.
    const maxBytes = 1024 * 1024;
    const job = testJob({}, tag);
    const cmd =
      'i=1; while [ $i -le 60 ]; do echo $i; i=$((i+1)); usleep 50000; done; ' +
      "awk 'BEGIN { for (i = 61; i <= 10000; i++) { print i; for (j = 0; j < 90; j++) print \"\" } }'";
    const containerId = await createShellContainer(docker, tag, cmd, { logMaxBytes: maxBytes });
    const store = makeStore(maxBytes);
    await killedMidway(job.id, containerId, store);
    await docker.getContainer(containerId).wait(); // all of it written while "the server" is down
    await store.capture(job, containerId);
    await store.drained(job.id);
    const expected = Array.from({ length: 10000 }, (_, i) => (i < 60 ? `${i + 1}\n` : `${i + 1}\n${'\n'.repeat(90)}`)).join('');
    const tail = await store.tail(job.id, maxBytes, 'all');
    expect(tail.size).toBe(Buffer.byteLength(expected));
    expect(tail.text === expected, 'the stored log is exactly the output').toBe(true);
    await store.close();
  }, 120_000);

  it('notices when Docker rotated its log while capture was down, and resumes by time', async () => {
    // A container made by an older cjm (json-file, 1 MB): cjm's own config does not rotate this soon.
    const job = testJob({}, tag);
    const cmd = 'i=1; while [ $i -le 60 ]; do echo $i; i=$((i+1)); usleep 50000; done; yes zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz | head -c 3000000; echo the-end';
    const logConfig = { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } };
    const containerId = await createShellContainer(docker, tag, cmd, { logConfig });
    const store = makeStore();
    await killedMidway(job.id, containerId, store);
    await docker.getContainer(containerId).wait();
    await store.capture(job, containerId);
    await store.drained(job.id);
    const tail = await store.tail(job.id, 1024 * 1024, 'all');
    expect(tail.text).toContain('[cjm: Docker rotated this job\'s log while cjm was not capturing; some output may be missing here]');
    expect(tail.text.endsWith('the-end\n')).toBe(true);
    const numbers = lines(tail.text).filter((l) => /^\d+$/.test(l)).map(Number);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1)); // stored before the kill, once
    await store.close();
  }, 60_000);

  it('still reads the log after docker rm -f, and remove() deletes the directory', async () => {
    const store = makeStore();
    const { job, containerId } = await runCaptured(store, 'echo hello; usleep 100000; echo oops >&2; sleep 30');
    await waitFor('output stored', async () => (await store.tail(job.id, 100, 'all')).text.includes('oops'), 10_000);
    await docker.getContainer(containerId).remove({ force: true });
    await store.drained(job.id);
    const tail = await store.tail(job.id, 100, 'all');
    expect(tail.text).toBe('hello\noops\n');
    const dir = path.join(dataDir, 'jobs', String(job.id));
    expect(JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'))).toEqual({ complete: true });
    const ended = new Promise<string>((resolve) => store.follow(job.id, undefined, () => true, (reason) => resolve(reason)));
    const follower2 = new Promise<string>((resolve) => store.follow(job.id, 0, () => true, (reason) => resolve(reason)));
    expect(await follower2).toBe('finished'); // the log is complete: replay, then the end
    await expect(ended).resolves.toBe('finished');
    await store.remove(job.id);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
    expect((await store.tail(job.id, 100, 'all')).size).toBe(0);
    await store.close();
  });

  it('remove() during capture ends followers with removed and deletes the directory', async () => {
    const store = makeStore();
    const { job } = await runCaptured(store, 'while :; do echo tick; usleep 50000; done');
    const got: string[] = [];
    const ended = new Promise<string>((resolve) =>
      store.follow(
        job.id,
        0,
        (c) => {
          got.push(c.data);
          return true;
        },
        (reason) => resolve(reason),
      ),
    );
    await waitFor('ticks', async () => got.length >= 3, 10_000);
    await store.remove(job.id);
    await expect(ended).resolves.toBe('removed');
    await expect(stat(path.join(dataDir, 'jobs', String(job.id)))).rejects.toThrow(/ENOENT/);
    await store.drained(job.id);
    await store.close();
  });

  it('caps 200 MB of output with one visible marker without blocking the container', async () => {
    const maxBytes = 1024 * 1024;
    const store = makeStore(maxBytes);
    const started = Date.now();
    const { job, containerId } = await runCaptured(store, 'yes 0123456789abcdef0123456789abcdef0123456789abcdef | head -c 209715200');
    const exit = (await docker.getContainer(containerId).wait()) as { StatusCode: number };
    expect(exit.StatusCode).toBe(0);
    await store.drained(job.id);
    expect(Date.now() - started).toBeLessThan(40_000);
    const tail = await store.tail(job.id, 200, 'all');
    expect(tail.text.endsWith('\n[cjm: log truncated at 1 MiB; further output dropped]\n')).toBe(true);
    const data = await stat(path.join(dataDir, 'jobs', String(job.id), 'data'));
    const marker = '\n[cjm: log truncated at 1 MiB; further output dropped]\n';
    expect(data.size).toBe(maxBytes + marker.length);
    expect(tail.size).toBe(data.size);
    const all = await store.tail(job.id, 1024 * 1024 + 1024, 'all');
    expect(all.text.split('[cjm: log truncated').length).toBe(2);
    await store.close();
  }, 60_000);

  it('stores invalid UTF-8 as bytes and shows it with U+FFFD', async () => {
    const store = makeStore();
    const { job } = await runCaptured(store, "printf '\\xff\\xfe ok\\n'; printf 'caf\\xc3'; printf '\\xa9\\n'");
    await store.drained(job.id);
    const tail = await store.tail(job.id, 100, 'all');
    expect(tail.text).toBe('\ufffd\ufffd ok\ncafé\n');
    const raw = await readFile(path.join(dataDir, 'jobs', String(job.id), 'data'));
    expect(raw.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
    await store.close();
  });

  it('a follower that reconnects with fromOffset misses nothing and sees nothing twice', async () => {
    const store = makeStore();
    const { job } = await runCaptured(store, 'i=1; while [ $i -le 100 ]; do echo line$i; echo e$i >&2; i=$((i+1)); usleep 20000; done');
    const got: LogFollowChunk[] = [];
    let resumeAt = -1;
    const cancel = store.follow(
      job.id,
      0,
      (c) => {
        got.push(c);
        return true;
      },
      () => undefined,
    );
    await waitFor('20 chunks', async () => got.length > 20, 10_000);
    cancel();
    resumeAt = got[got.length - 1]!.nextOffset;
    await new Promise((r) => setTimeout(r, 300)); // disconnected for a while
    const ended = new Promise<{ reason: string; offset: number }>((resolve) => {
      store.follow(
        job.id,
        resumeAt,
        (c) => {
          got.push(c);
          return true;
        },
        (reason, offset) => resolve({ reason, offset }),
      );
    });
    const end = await ended;
    expect(end.reason).toBe('finished');
    for (let i = 1; i < got.length; i++) expect(got[i]!.offset).toBe(got[i - 1]!.nextOffset);
    // Exactly the stored log, and per stream exactly what the job wrote.
    const stored = await store.tail(job.id, 1024 * 1024, 'all');
    expect(got.map((c) => c.data).join('')).toBe(stored.text);
    expect(end.offset).toBe(stored.size);
    const stdout = got.filter((c) => c.stream === 'stdout').map((c) => c.data).join('');
    expect(stdout).toBe(Array.from({ length: 100 }, (_, i) => `line${i + 1}\n`).join(''));
    const stderr = got.filter((c) => c.stream === 'stderr').map((c) => c.data).join('');
    expect(stderr).toBe(Array.from({ length: 100 }, (_, i) => `e${i + 1}\n`).join(''));
    await store.close();
  }, 30_000);

  it('drops a follower that refuses a chunk, at that chunk, and does not buffer for it', async () => {
    const store = makeStore(256 * 1024 * 1024);
    const { job } = await runCaptured(store, 'sleep 0.3; yes 0123456789abcdef0123456789abcdef0123456789abcdef | head -c 104857600');
    let received = 0;
    let refusedAt = -1;
    let calls = 0;
    const ended = new Promise<{ reason: string; offset: number }>((resolve) => {
      store.follow(
        job.id,
        0,
        (c) => {
          calls++;
          received += c.nextOffset - c.offset;
          if (received > 4 * 1024 * 1024) {
            refusedAt = c.offset;
            return false;
          }
          return true;
        },
        (reason, offset) => resolve({ reason, offset }),
      );
    });
    const heapBefore = process.memoryUsage();
    const end = await ended;
    expect(end).toEqual({ reason: 'dropped', offset: refusedAt });
    const callsAtDrop = calls;
    let peak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers);
    }, 20);
    await store.drained(job.id);
    clearInterval(sampler);
    expect(calls).toBe(callsAtDrop);
    // 100 MB went by; what the process held for it stays within the write batching (8 MiB) + slack.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
    expect((await store.tail(job.id, 10, 'all')).size).toBe(104857600);
    await store.close();
  }, 60_000);
});

/** Captures in a child process, starts the container, and SIGKILLs the child once 30 lines are stored. */
async function killedMidway(jobId: number, containerId: string, store: LogStore): Promise<void> {
  const child = spawn(process.execPath, [...sourceNodeArgs, 'test/support/logs-capture-child.ts', dataDir, String(jobId), containerId], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('attached') && resolve());
    child.once('exit', (code) => reject(new Error(`capture child exited early (${code})`)));
  });
  await docker.getContainer(containerId).start();
  await waitFor('30 lines stored by the child', async () => lines((await store.tail(jobId, 4096, 'all')).text).length > 30, 15_000);
  child.kill('SIGKILL');
  await exited;
  const before = lines((await store.tail(jobId, 1024 * 1024, 'all')).text);
  expect(before.length).toBeGreaterThan(30);
  expect(before.length).toBeLessThan(150);
}
