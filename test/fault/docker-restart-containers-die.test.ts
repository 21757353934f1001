// Fault: the (private) dockerd restarts, or crashes and comes back, WITHOUT live-restore, so the
// running containers die with it (a clean stop stops them; a crashed daemon's successor kills them).
// Their jobs must end truthfully - exited, not completed, with the exit code Docker recorded - and
// their logs must hold everything the containers printed: Docker's own copy is the witness.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { outputOf } from '../support/docker.js';
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
  [dockerd, db] = await Promise.all([startPrivateDockerd({ liveRestore: false }), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-dockerd-die-'));
  server = await spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir });
  api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 20_000 });
}, 120_000);

afterAll(async () => {
  console.log(`FAULT docker-restart without live-restore: ${JSON.stringify(figures)}`);
  api?.close();
  await server?.kill('SIGTERM');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const LINES = 400;

async function runningJobs(prefix: string): Promise<Job[]> {
  const jobs = await Promise.all(
    [0, 1, 2].map((i) =>
      api.call('job.create', { name: uniqueName(`${prefix}${i}`), image: 'busybox:latest', cmd: lineLoop(LINES, 0.1), cpus: 0.1, memoryMb: 16, network: 'none' }),
    ),
  );
  const running = await Promise.all(jobs.map((j) => waitForJob(api, j.id, (x) => x.status === 'running')));
  // Some lines out, most not: the containers die mid-output.
  await waitFor('10 lines from each job', async () => {
    const logs = await Promise.all(jobs.map((j) => api.call('job.logs', { id: j.id })));
    return logs.every((l) => countLines(l.text, LINES).printed >= 10);
  });
  return running;
}

async function checkDiedTruthfully(jobs: Job[]): Promise<void> {
  for (const j of jobs) {
    figures.jobs++;
    const done = await waitForJob(api, j.id, (x) => x.status !== 'running' && x.status !== 'pending', 60_000);
    const container = await dockerd.docker.getContainer(j.containerId!).inspect();
    const truthful = done.status === 'exited' && done.reason === 'failed' && done.exitCode === container.State.ExitCode && done.exitCode !== 0;
    if (!truthful) figures.wrongStatus++;
    console.log(`job ${j.id}: ${done.status}/${done.reason} exit ${done.exitCode}; Docker: ${container.State.Status} exit ${container.State.ExitCode} ${container.State.Error}`);
    expect({ id: j.id, status: done.status, reason: done.reason, exitCode: done.exitCode }).toEqual({
      id: j.id,
      status: 'exited',
      reason: 'failed',
      exitCode: container.State.ExitCode,
    });
    expect(done.exitCode, 'killed by a signal, not its own end').toBeGreaterThan(128);
    expect(Date.parse(done.finishedAt!)).toBeGreaterThan(Date.parse(done.startedAt!));

    // Everything the container printed (Docker's copy), once, in order: no more, no less.
    const printed = (await outputOf(dockerd.docker, j.containerId!)).stdout;
    const text = await waitFor(`job ${j.id}'s log to hold what Docker has`, async () => {
      const l = await api.call('job.logs', { id: j.id, tailBytes: 65536 });
      return l.text === printed ? l.text : undefined;
    }, 15_000).catch(async () => (await api.call('job.logs', { id: j.id, tailBytes: 65536 })).text);
    const c = countLines(text, LINES);
    const inDocker = countLines(printed, LINES).printed;
    figures.logLinesLost += Math.max(0, inDocker - c.printed) + c.gaps;
    figures.logLinesDuplicated += c.duplicated;
    expect({ id: j.id, printed: c.printed, gaps: c.gaps, duplicated: c.duplicated, inOrder: c.inOrder }).toEqual({
      id: j.id,
      printed: inDocker,
      gaps: 0,
      duplicated: 0,
      inOrder: true,
    });
    expect(c.printed, 'died mid-output').toBeLessThan(LINES);
    expect(text).toBe(printed);
  }
}

describe('dockerd restarts without live-restore: running containers die with it', () => {
  it('clean restart (SIGTERM, start): the jobs end exited/failed with the exit code, their logs whole', async () => {
    const jobs = await runningJobs('r');
    await dockerd.restart();
    figures.faults++;
    await checkDiedTruthfully(jobs);
  }, 180_000);

  it('crash (SIGKILL, start): the same', async () => {
    const jobs = await runningJobs('c');
    await dockerd.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await dockerd.start();
    figures.faults++;
    await checkDiedTruthfully(jobs);
  }, 180_000);

  it('leaves no orphan and no record without its container; new jobs still run', async () => {
    const fresh = await api.call('job.create', { name: uniqueName('after'), image: 'busybox:latest', cmd: 'echo fresh', cpus: 0.1, memoryMb: 16, network: 'none' });
    expect(await waitForJob(api, fresh.id, (j) => j.status === 'exited', 30_000)).toMatchObject({ reason: 'completed', exitCode: 0 });
    const a = await audit(api, dockerd.docker);
    figures.orphans += a.orphans.length;
    expect(a.orphans).toEqual([]);
    expect(a.missingContainers).toEqual([]);
    expect(a.unsettled).toEqual([]);
  }, 60_000);
});
