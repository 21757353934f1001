// Fault: the server is SIGKILLed with 5 jobs queued (CJM_CAPACITY_CPUS=1, two 0.5-CPU jobs running),
// then started again: the queue is what the database says, so the same jobs are queued in the same
// order, they start when room frees up, and none is started twice (containers counted per job by the
// cjm.job-id label). The shared dockerd is enough here: this server's containers carry its instance.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { removeJobs } from '../support/cleanup.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testDocker } from '../support/docker.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';
import { newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

let db: TestDatabase;
let dataDir: string;
let server: ChildCjm | null = null;
let api: CjmClient | null = null;
const adminToken = newAdminToken();
const docker = testDocker();

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-queue-'));
}, 60_000);

afterAll(async () => {
  if (api) await removeJobs(api).catch(() => undefined);
  api?.close();
  await server?.kill('SIGTERM');
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

const start = () => spawnCjm({ databaseUrl: db.url, adminToken, dataDir, extra: { CJM_CAPACITY_CPUS: '1' } });
const spec = (cmd: string) => ({ name: uniqueName('qk'), image: 'busybox:latest', cmd, cpus: 0.5, memoryMb: 16, network: 'none' as const });

/** Containers Docker has for the job (made and not removed), by its labels. */
async function containersOf(jobId: number): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`cjm.job-id=${jobId}`, `cjm.instance=${db.name}`] } });
  return list.length;
}

/** The queued jobs' ids and progress, in queue order. */
async function queue(c: CjmClient): Promise<[number, string | null][]> {
  const { jobs } = await c.call('job.list', { status: 'pending', limit: 500 });
  return jobs
    .filter((j) => j.containerId === null)
    .map((j): [number, string | null] => [j.id, j.progress])
    .sort((a, b) => Number(/position (\d+)/.exec(a[1] ?? '')?.[1]) - Number(/position (\d+)/.exec(b[1] ?? '')?.[1]));
}

describe('SIGKILL with 5 jobs queued', () => {
  it('after the restart: same jobs queued in the same order, they start when room frees up, none started twice', async () => {
    server = await start();
    api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
    const running: Job[] = [];
    for (let i = 0; i < 2; i++) running.push(await api.call('job.create', spec('sleep 300')));
    for (const j of running) await waitForJob(api, j.id, (x) => x.status === 'running');
    const queued: Job[] = [];
    for (let i = 0; i < 5; i++) queued.push(await api.call('job.create', spec('sleep 2')));
    const before = await queue(api);
    expect(before).toEqual(queued.map((j, i) => [j.id, `queued: position ${i + 1} of 5`]));

    await server.kill('SIGKILL');
    api.close();
    server = await start();
    api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
    const c = api;
    await waitFor('the restarted server to reconcile', async () => (await c.call('system.info', {})).queued === 5, 20_000);
    expect(await queue(api)).toEqual(before);
    for (const j of queued) expect(await containersOf(j.id), `job ${j.id}`).toBe(0);

    // Room frees up: they start in their order, each once. One kill at a time, so that the first two
    // start (and end) well apart and the start times below tell the order.
    for (const [i, j] of running.entries()) {
      await api.call('job.kill', { id: j.id });
      await waitForJob(api, queued[i]!.id, (x) => x.status !== 'pending', 20_000);
      await new Promise((r) => setTimeout(r, 500));
    }
    const done: Job[] = [];
    for (const j of queued) done.push(await waitForJob(api, j.id, (x) => x.status === 'exited', 60_000));
    expect(done.map((j) => j.reason)).toEqual(queued.map(() => 'completed'));
    const startOrder = [...done].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!) || a.id - b.id).map((j) => j.id);
    console.log(`start order after the restart: ${startOrder.join(' ')} (queued ${queued.map((j) => j.id).join(' ')})`);
    expect(startOrder).toEqual(queued.map((j) => j.id));
    for (const j of [...running, ...queued]) expect(await containersOf(j.id), `job ${j.id}`).toBe(1);
  }, 180_000);
});
