// Contract v1.1 over the real socket (real dockerd, real MariaDB): job.rerun and its names, who may
// re-run what, job.removeMany clearing only the caller's finished jobs, and log timestamps.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, type Job, type JobSpecInput } from '../../server/protocol/index.js';
import { createToken } from '../fault/harness.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { rpcError, uniqueName, waitFor, waitForJob } from '../support/wait.js';

const docker = new Docker();
let server: TestServer;
const clients: CjmClient[] = [];
let admin: CjmClient;
let alice: CjmClient;
let bob: CjmClient;

const spec = (over: Partial<JobSpecInput> = {}): JobSpecInput => ({
  name: uniqueName('rr'),
  image: 'busybox:latest',
  cmd: 'echo done',
  cpus: 0.1,
  memoryMb: 16,
  network: 'none',
  env: { GREETING: 'hi' },
  ...over,
});

beforeAll(async () => {
  server = await startTestServer();
  const [a, b] = await Promise.all([createToken(server.databaseUrl, 'alice'), createToken(server.databaseUrl, 'bob')]);
  clients.push(...(await Promise.all([server.adminToken, a.token, b.token].map((t) => createClient(server.url, t)))));
  [admin, alice, bob] = clients as [CjmClient, CjmClient, CjmClient];
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

const finished = (api: CjmClient, id: number) => waitForJob(api, id, (j) => j.status === 'exited' || j.status === 'error');

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function containerExists(id: string): Promise<boolean> {
  return docker.getContainer(id).inspect().then(() => true, () => false);
}

describe('job.rerun', () => {
  it('creates a new job with the same spec, named with the next free -N, answering like job.create', async () => {
    const original = await alice.call('job.create', spec());
    await finished(alice, original.id);
    const second = await alice.call('job.rerun', { id: original.id });
    expect(second).toMatchObject({ name: `${original.name}-2`, status: 'pending', owner: 'alice' });
    expect(second.id).not.toBe(original.id);
    const specFields = ['image', 'cmd', 'argv', 'cpus', 'memoryMb', 'ioWeight', 'pidsLimit', 'timeoutSeconds', 'env', 'network'] as const;
    for (const k of specFields) expect(second[k], k).toEqual(original[k]);
    // It runs like any job.
    expect(await finished(alice, second.id)).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    expect((await alice.call('job.logs', { id: second.id })).text).toBe('done\n');

    // Again from the original: -2 is taken, so -3; from the -3 one: -4 (no -3-2).
    const third = await alice.call('job.rerun', { id: original.id });
    expect(third.name).toBe(`${original.name}-3`);
    expect((await alice.call('job.rerun', { id: third.id })).name).toBe(`${original.name}-4`);
    // A -N taken by someone else's job is skipped too (names are unique across users).
    await bob.call('job.create', spec({ name: `${original.name}-5` }));
    expect((await alice.call('job.rerun', { id: second.id })).name).toBe(`${original.name}-6`);
  });

  it('keeps a 63-character name within the limit', async () => {
    const long = `${uniqueName('x')}-${'y'.repeat(63)}`.slice(0, 63);
    const original = await alice.call('job.create', spec({ name: long }));
    const again = await alice.call('job.rerun', { id: original.id });
    expect(again.name).toBe(`${long.slice(0, 61)}-2`);
  });

  it('takes a given name, and answers 4009 when it is taken', async () => {
    const original = await alice.call('job.create', spec());
    const named = await alice.call('job.rerun', { id: original.id, name: `${original.name}-again` });
    expect(named.name).toBe(`${original.name}-again`);
    expect((await rpcError(alice.call('job.rerun', { id: original.id, name: original.name }))).code).toBe(ErrorCode.NameTaken);
  });

  it('follows job.get visibility: 4004 for another user\'s job; an admin re-runs it as their own', async () => {
    const hers = await alice.call('job.create', spec());
    expect((await rpcError(bob.call('job.rerun', { id: hers.id }))).code).toBe(ErrorCode.JobNotFound);
    expect((await rpcError(bob.call('job.rerun', { id: 999_999 }))).code).toBe(ErrorCode.JobNotFound);
    const adminsCopy = await admin.call('job.rerun', { id: hers.id });
    expect(adminsCopy).toMatchObject({ owner: 'admin', name: `${hers.name}-2` });
    // The copy is the admin's: alice does not see it.
    expect((await rpcError(alice.call('job.get', { id: adminsCopy.id }))).code).toBe(ErrorCode.JobNotFound);
  });
});

describe('job.removeMany', () => {
  it('removes the caller\'s finished jobs of that status with their containers and logs, nobody else\'s', async () => {
    const mine: Job[] = [];
    for (let i = 0; i < 2; i++) mine.push(await finished(bob, (await bob.call('job.create', spec())).id));
    const failed = await finished(bob, (await bob.call('job.create', spec({ image: '127.0.0.1:5999/nope/missing:1' }))).id);
    expect(failed.status).toBe('error');
    const running = await bob.call('job.create', spec({ cmd: 'sleep 60' }));
    const alices = await finished(alice, (await alice.call('job.create', spec())).id);
    const admins = await finished(admin, (await admin.call('job.create', spec())).id);
    await waitForJob(bob, running.id, (j) => j.status === 'running');

    // Just finished: not older than an hour.
    expect(await bob.call('job.removeMany', { status: 'exited', olderThanSeconds: 3600 })).toEqual({ removed: [] });

    const exitedBefore = (await bob.call('job.list', { status: 'exited', limit: 500 })).jobs.map((j) => j.id);
    const { removed } = await bob.call('job.removeMany', { status: 'exited' });
    expect(removed.sort()).toEqual(exitedBefore.sort());
    expect(removed).toEqual(expect.arrayContaining(mine.map((j) => j.id)));
    for (const job of mine) {
      expect((await rpcError(bob.call('job.get', { id: job.id }))).code).toBe(ErrorCode.JobNotFound);
      expect(await containerExists(job.containerId!)).toBe(false);
      expect(await exists(join(server.dataDir, 'jobs', String(job.id)))).toBe(false);
    }
    // Untouched: another status, a running job, other users' jobs (an admin's too).
    expect(await bob.call('job.get', { id: running.id })).toMatchObject({ status: 'running' });
    expect(await alice.call('job.get', { id: alices.id })).toMatchObject({ status: 'exited' });
    expect(await admin.call('job.get', { id: admins.id })).toMatchObject({ status: 'exited' });
    expect(await bob.call('job.get', { id: failed.id })).toMatchObject({ id: failed.id });

    // An admin clears only their own.
    const adminRemoved = (await admin.call('job.removeMany', { status: 'exited' })).removed;
    expect(adminRemoved).toContain(admins.id);
    expect(adminRemoved).not.toContain(alices.id);
    expect(await alice.call('job.get', { id: alices.id })).toMatchObject({ status: 'exited' });
    await bob.call('job.stop', { id: running.id, timeoutSeconds: 1 });
  });

  it('removes error jobs with status "error"', async () => {
    const job = await alice.call('job.create', spec({ image: '127.0.0.1:5999/nope/missing:1' }));
    await waitForJob(alice, job.id, (j) => j.status === 'error', 60_000);
    expect((await alice.call('job.removeMany', { status: 'error' })).removed).toContain(job.id);
    expect((await rpcError(alice.call('job.get', { id: job.id }))).code).toBe(ErrorCode.JobNotFound);
  });
});

describe('log timestamps', () => {
  it('job.logs {timestamps: true} gives every chunk the time cjm received it; job.log always carries at', async () => {
    const job = await alice.call('job.create', spec({ cmd: 'echo one; sleep 1.2; echo two >&2; sleep 1.2; echo three' }));
    const seen: { data: string; at: string }[] = [];
    alice.on('job.log', (n) => {
      if (n.id === job.id) seen.push({ data: n.data, at: n.at });
    });
    await alice.call('job.follow', { id: job.id, fromOffset: 0 });
    const done = await finished(alice, job.id);

    const plain = await alice.call('job.logs', { id: job.id, chunks: true });
    expect(plain.chunks!.every((c) => c.at === undefined)).toBe(true);
    const timed = await alice.call('job.logs', { id: job.id, timestamps: true });
    expect(timed.text).toBeUndefined();
    expect(timed.chunks!.map((c) => c.text).join('')).toBe('one\ntwo\nthree\n');
    expect(timed.chunks!.map((c) => [c.stream, c.text])).toEqual([['stdout', 'one\n'], ['stderr', 'two\n'], ['stdout', 'three\n']]);
    const times = timed.chunks!.map((c) => Date.parse(c.at!));
    expect(timed.chunks!.every((c) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(c.at!))).toBe(true);
    // Each line when it was written: ~1.2 s apart, within the job's run.
    expect(times[1]! - times[0]!).toBeGreaterThan(900);
    expect(times[2]! - times[1]!).toBeGreaterThan(900);
    expect(times[0]!).toBeGreaterThanOrEqual(Date.parse(done.startedAt!) - 1000);
    expect(times[2]!).toBeLessThanOrEqual(Date.parse(done.finishedAt!) + 1000);

    await waitFor('the follow to deliver everything', async () => seen.map((s) => s.data).join('') === 'one\ntwo\nthree\n');
    expect(seen.map((s) => Date.parse(s.at))).toEqual(times);
  });
});
