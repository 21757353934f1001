// The queue on the real dockerd and MariaDB, with the capacity set small (CJM_CAPACITY_CPUS=1): jobs
// that do not fit wait their turn, fairly between users, and start by themselves when room frees up.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, type Job, type JobSpecInput } from '../../server/protocol/index.js';
import { createToken } from '../fault/harness.js';
import { testDocker } from '../support/docker.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { rpcError, uniqueName, waitFor, waitForJob } from '../support/wait.js';

let server: TestServer;
let admin: CjmClient;
const clients: CjmClient[] = [];
/** Every job.updated the admin saw, with when it arrived. */
const updates: { job: Job; at: number }[] = [];
const docker = testDocker();

const spec = (over: Partial<JobSpecInput> = {}): JobSpecInput => ({
  name: uniqueName('it-queue'),
  image: 'busybox:latest',
  cmd: 'sleep 300',
  cpus: 0.5,
  memoryMb: 16,
  network: 'none',
  ...over,
});

async function connect(token: string): Promise<CjmClient> {
  const c = await createClient(server.url, token);
  clients.push(c);
  return c;
}

/** Containers Docker has for a job, by its label (made and not removed). */
async function containersOf(jobId: number): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`cjm.job-id=${jobId}`, `cjm.instance=${server.config.instance}`] } });
  return list.length;
}

/** When the admin first saw the job running. */
const startedAt = (id: number) => updates.find((u) => u.job.id === id && u.job.status === 'running')?.at;

beforeAll(async () => {
  server = await startTestServer({ env: { CJM_CAPACITY_CPUS: '1' } });
  admin = await connect(server.adminToken);
  admin.on('job.updated', ({ job }) => updates.push({ job, at: performance.now() }));
  await admin.call('events.subscribe', {});
});

afterEach(async () => {
  // Nothing left running or queued for the next test.
  const { jobs } = await admin.call('job.list', { limit: 500 });
  await Promise.all(jobs.filter((j) => j.status === 'pending' || j.status === 'running').map((j) => admin.call('job.kill', { id: j.id })));
  await waitFor('the queue to be empty', async () => {
    const info = await admin.call('system.info', {});
    return info.queued === 0 && info.allocated.cpus === 0;
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

describe('the queue (CJM_CAPACITY_CPUS=1, real dockerd)', () => {
  it('three 0.5-CPU jobs: two run, the third is queued at position 1; stop one and the third starts within 1 s', async () => {
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => admin.call('job.create', spec())));
    const ids = [a!.id, b!.id, c!.id].sort((x, y) => x - y);
    const [first, second, third] = ids as [number, number, number];
    await waitForJob(admin, first, (j) => j.status === 'running');
    await waitForJob(admin, second, (j) => j.status === 'running');
    const queued = await admin.call('job.get', { id: third });
    expect(queued).toMatchObject({ status: 'pending', containerId: null, progress: 'queued: position 1 of 1' });
    expect((await admin.call('job.list', {})).jobs.find((j) => j.id === third)?.progress).toBe('queued: position 1 of 1');
    expect(await admin.call('system.info', {})).toMatchObject({ capacity: { cpus: 1 }, allocated: { cpus: 1, memoryMb: 32 }, queued: 1 });
    expect(await containersOf(third)).toBe(0);

    const t0 = performance.now();
    await admin.call('job.stop', { id: first });
    const stopped = await waitForJob(admin, first, (j) => j.status === 'exited', 15_000);
    expect(stopped.reason).toBe('stopped');
    await waitForJob(admin, third, (j) => j.status === 'running', 10_000);
    const exitedAt = updates.find((u) => u.job.id === first && u.job.status === 'exited')!.at;
    const startMs = startedAt(third)! - exitedAt;
    console.log(`queued job running ${startMs.toFixed(0)} ms after the stopped one exited (${(startedAt(third)! - t0).toFixed(0)} ms after job.stop)`);
    expect(startMs).toBeLessThan(1000);
    expect((await admin.call('system.info', {})).queued).toBe(0);
  }, 60_000);

  it('fairness: user A submits 10 jobs, then user B submits 1: B`s starts before A`s 4th', async () => {
    const a = await connect((await createToken(server.databaseUrl, 'queue-a')).token);
    const b = await connect((await createToken(server.databaseUrl, 'queue-b')).token);
    const aJobs: Job[] = [];
    for (let i = 0; i < 10; i++) aJobs.push(await a.call('job.create', spec({ cmd: 'sleep 1' })));
    const bJob = await b.call('job.create', spec({ cmd: 'sleep 1' }));
    expect(bJob.progress).toMatch(/^queued: position \d+ of \d+$/);

    await waitForJob(admin, bJob.id, (j) => j.status !== 'pending', 60_000);
    await waitForJob(admin, aJobs[3]!.id, (j) => j.status !== 'pending', 60_000);
    const order = [...aJobs.slice(0, 4), bJob].map((j) => ({ id: j.id, at: startedAt(j.id)! })).sort((x, y) => x.at - y.at);
    console.log(`start order: ${order.map((o) => (o.id === bJob.id ? 'B' : `A${aJobs.findIndex((j) => j.id === o.id) + 1}`)).join(' ')}`);
    expect(startedAt(bJob.id)).toBeLessThan(startedAt(aJobs[3]!.id)!);
  }, 120_000);

  it('kill and remove of a queued job act at once, with no container ever made', async () => {
    const running = await Promise.all([0, 1].map(() => admin.call('job.create', spec())));
    for (const j of running) await waitForJob(admin, j.id, (x) => x.status === 'running');
    const toKill = await admin.call('job.create', spec());
    const toRemove = await admin.call('job.create', spec());
    expect(toKill.progress).toBe('queued: position 1 of 1');
    expect(toRemove.progress).toBe('queued: position 2 of 2');

    const t0 = performance.now();
    expect(await admin.call('job.kill', { id: toKill.id })).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((await admin.call('job.get', { id: toRemove.id })).progress).toBe('queued: position 1 of 1');
    expect(await admin.call('job.remove', { id: toRemove.id })).toEqual({ id: toRemove.id, removed: true });
    expect((await rpcError(admin.call('job.get', { id: toRemove.id }))).code).toBe(ErrorCode.JobNotFound);

    // Room frees up: neither of them gets a container.
    await admin.call('job.kill', { id: running[0]!.id });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await admin.call('job.get', { id: toKill.id })).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    expect(await containersOf(toKill.id)).toBe(0);
    expect(await containersOf(toRemove.id)).toBe(0);
    expect((await admin.call('system.info', {})).queued).toBe(0);
  }, 60_000);

  it('backfill (CJM_QUEUE_BACKFILL_SECONDS, default 60): a small job starts past a large one that does not fit yet', async () => {
    const running = await admin.call('job.create', spec());
    await waitForJob(admin, running.id, (j) => j.status === 'running');
    const large = await admin.call('job.create', spec({ cpus: 1 }));
    expect(large.progress).toBe('queued: position 1 of 1');
    const small = await admin.call('job.create', spec());
    await waitForJob(admin, small.id, (j) => j.status === 'running');
    expect((await admin.call('job.get', { id: large.id })).progress).toBe('queued: position 1 of 1');
  }, 60_000);

  it('a job larger than the whole capacity gets 4029 at once, naming the numbers; malformed values stay -32602', async () => {
    const cpus = await rpcError(admin.call('job.create', spec({ cpus: 1.5 })));
    expect(cpus.code).toBe(ErrorCode.QuotaExceeded);
    expect(cpus.message).toContain('cpus 1.5 > 1 (CJM_CAPACITY_CPUS)');
    const memory = await rpcError(admin.call('job.create', spec({ memoryMb: 4 * 1024 * 1024 })));
    expect(memory.code).toBe(ErrorCode.QuotaExceeded);
    expect(memory.message).toMatch(/memoryMb 4194304 > \d+ \(the host's memory\)/);
    const malformed = await rpcError(admin.call('job.create', spec({ cpus: 0 })));
    expect(malformed.code).toBe(ErrorCode.InvalidParams);
    expect(malformed.data).toMatchObject({ field: 'cpus' });
  });
});

describe('CJM_QUEUE_BACKFILL_SECONDS=0: no backfill (real dockerd)', () => {
  let strict: TestServer;
  let api: CjmClient;
  beforeAll(async () => {
    strict = await startTestServer({ env: { CJM_CAPACITY_CPUS: '1', CJM_QUEUE_BACKFILL_SECONDS: '0' } });
    api = await createClient(strict.url, strict.adminToken);
  });
  afterAll(async () => {
    api?.close();
    await strict?.close();
  });

  it('a small job waits behind a large one that does not fit, and starts after it', async () => {
    const running = await api.call('job.create', spec());
    await waitForJob(api, running.id, (j) => j.status === 'running');
    const large = await api.call('job.create', spec({ cpus: 1 }));
    const small = await api.call('job.create', spec());
    expect(small.progress).toBe('queued: position 2 of 2');
    // Room for the small one the whole time: it still waits its turn.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await api.call('job.get', { id: small.id })).toMatchObject({ status: 'pending', containerId: null, progress: 'queued: position 2 of 2' });

    await api.call('job.kill', { id: running.id });
    await waitForJob(api, large.id, (j) => j.status === 'running', 15_000);
    expect((await api.call('job.get', { id: small.id })).progress).toBe('queued: position 1 of 1');
    await api.call('job.kill', { id: large.id });
    await waitForJob(api, small.id, (j) => j.status === 'running', 15_000);
  }, 60_000);
});
