// Fault: the (private) dockerd restarts, or crashes and comes back, while jobs run. With
// live-restore the containers run on; afterwards statuses and logs must be right, and the server's
// event stream must have reconnected by itself (a job created afterwards is followed without refresh).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';
import { audit, countLines, lineLoop, newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

let dockerd: PrivateDockerd;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm;
let api: CjmClient;
const adminToken = newAdminToken();
const figures = { faults: 0, jobs: 0, wrongStatus: 0, logLinesLost: 0, logLinesDuplicated: 0, orphans: 0 };

beforeAll(async () => {
  [dockerd, db] = await Promise.all([startPrivateDockerd(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-dockerd-'));
  server = await spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir });
  api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
}, 120_000);

afterAll(async () => {
  console.log(`FAULT docker-restart: ${JSON.stringify(figures)}`);
  api?.close();
  await server?.kill('SIGTERM');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const LINES = 40;
const create = (name: string, cmd: string) =>
  api.call('job.create', { name: uniqueName(name), image: 'busybox:latest', cmd, cpus: 0.1, memoryMb: 16, network: 'none' });

async function checkRanThrough(jobs: Job[]): Promise<void> {
  for (const j of jobs) {
    figures.jobs++;
    const done = await waitForJob(api, j.id, (x) => x.status !== 'running' && x.status !== 'pending', 60_000);
    if (done.status !== 'exited' || done.reason !== 'completed') figures.wrongStatus++;
    expect(done, `job ${j.id}`).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    const text = await waitFor(`job ${j.id}'s last line`, async () => {
      const l = await api.call('job.logs', { id: j.id, tailBytes: 65536 });
      return l.text?.includes(`line ${LINES}\n`) ? l.text : undefined;
    }, 10_000).catch(async () => (await api.call('job.logs', { id: j.id, tailBytes: 65536 })).text ?? '');
    const c = countLines(text, LINES);
    figures.logLinesLost += c.lost;
    figures.logLinesDuplicated += c.duplicated;
    expect({ id: j.id, ...c }).toEqual({ id: j.id, printed: LINES, lost: 0, gaps: 0, duplicated: 0, inOrder: true });
  }
}

async function eventStreamWorks(): Promise<void> {
  // Created after the restart: must go running -> exited from Docker's events alone (job.get reads
  // the database, it does not ask Docker).
  const seen: Job[] = [];
  await api.call('events.subscribe', {});
  const off = api.on('job.updated', ({ job }) => seen.push(job));
  const fresh = await create('after', 'echo fresh; sleep 1');
  const done = await waitForJob(api, fresh.id, (j) => j.status === 'exited', 20_000);
  // job.get can read the stored exit a moment before its notification arrives.
  await waitFor('the exited notification', async () => seen.some((j) => j.id === fresh.id && j.status === 'exited'), 20_000);
  off();
  expect(done).toMatchObject({ reason: 'completed', exitCode: 0 });
  expect(seen.filter((j) => j.id === fresh.id).map((j) => j.status)).toContain('exited');
}

describe('dockerd restarts while jobs run', () => {
  it('clean restart (SIGTERM, start): jobs run through with every line; events resume', async () => {
    const jobs = await Promise.all([0, 1, 2].map((i) => create(`r${i}`, lineLoop(LINES, 0.15))));
    await Promise.all(jobs.map((j) => waitForJob(api, j.id, (x) => x.status === 'running')));
    await new Promise((r) => setTimeout(r, 1000));
    await dockerd.restart();
    figures.faults++;
    await checkRanThrough(jobs);
    await eventStreamWorks();
  }, 120_000);

  it('crash (SIGKILL, start): the same', async () => {
    const jobs = await Promise.all([0, 1, 2].map((i) => create(`c${i}`, lineLoop(LINES, 0.15))));
    await Promise.all(jobs.map((j) => waitForJob(api, j.id, (x) => x.status === 'running')));
    await new Promise((r) => setTimeout(r, 1000));
    await dockerd.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await dockerd.start();
    figures.faults++;
    await checkRanThrough(jobs);
    await eventStreamWorks();
  }, 120_000);

  it('a job that ends while dockerd is down gets its real end status afterwards', async () => {
    // It runs for about a second: polling job.get can miss that, its job.updated cannot.
    const seen: Job[] = [];
    await api.call('events.subscribe', {});
    const off = api.on('job.updated', ({ job: j }) => seen.push(j));
    const job = await create('ends-while-down', 'echo going; sleep 1; exit 3');
    await waitFor('the job running', async () => seen.some((j) => j.id === job.id && j.status === 'running'), 30_000);
    off();
    await dockerd.stop();
    figures.faults++;
    await new Promise((r) => setTimeout(r, 3000));
    await dockerd.start();
    const done = await waitForJob(api, job.id, (x) => x.status === 'exited', 30_000);
    if (done.reason !== 'failed' || done.exitCode !== 3) figures.wrongStatus++;
    expect(done).toMatchObject({ reason: 'failed', exitCode: 3 });
  }, 120_000);

  it('leaves no orphan and no record without its container', async () => {
    const a = await audit(api, dockerd.docker);
    figures.orphans += a.orphans.length;
    expect(a.orphans).toEqual([]);
    expect(a.missingContainers).toEqual([]);
    expect(a.unsettled).toEqual([]);
  });
});
