// Fault: dockerd frozen in the middle of a burst. A private dockerd (never the shared one) is
// SIGSTOPped for 40 s while a burst of 30 job.create is being launched: it then answers nothing, not
// even /_ping. 40 s is shorter than the server's unreachable bound (60 s without a ping answered),
// so what the test asserts is: no job ends in error or is called unreachable, and every job runs once
// dockerd is back. (30 jobs, not 100, to keep this suite's run time down on a private daemon.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job } from '../../server/protocol/index.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uniqueName, waitFor } from '../support/wait.js';
import { allJobs, audit, newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

const burst = 30;
const frozenMs = 40_000;
let dockerd: PrivateDockerd;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm | null = null;
let api: CjmClient | null = null;
const adminToken = newAdminToken();

beforeAll(async () => {
  [dockerd, db] = await Promise.all([startPrivateDockerd(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-frozen-'));
  server = await spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir, extra: { CJM_QUOTA_JOBS: String(burst) } });
  api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  dockerd?.thaw();
  api?.close();
  await server?.kill('SIGTERM');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const spec = () => ({ name: uniqueName('frz'), image: 'busybox:latest', cmd: 'while true; do echo x; sleep 1; done', cpus: 0.01, memoryMb: 16, network: 'none' as const });
const answersPing = (ms: number) =>
  Promise.race([dockerd.docker.ping().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]).catch(() => false);

describe('dockerd frozen for 40 s in the middle of a burst', () => {
  it(`every one of ${burst} jobs runs once it is back; none ends in error`, async () => {
    const c = api!;
    const created = await Promise.all(Array.from({ length: burst }, () => c.call('job.create', spec())));
    const ids = new Set(created.map((j) => j.id));
    const mine = async () => (await allJobs(c)).filter((j) => ids.has(j.id));
    // In the middle: some running, some still pending.
    const before = await waitFor('a few jobs running', async () => {
      const jobs = await mine();
      return jobs.filter((j) => j.status === 'running').length >= 3 ? jobs : undefined;
    }, 120_000);
    dockerd.freeze();
    const frozenAt = Date.now();
    // The premise: frozen, dockerd answers no ping.
    expect(await answersPing(2000)).toBe(false);
    const errored: Job[] = [];
    while (Date.now() - frozenAt < frozenMs) {
      errored.push(...(await mine()).filter((j) => j.status === 'error'));
      await new Promise((r) => setTimeout(r, 2000));
    }
    const pendingWhenFrozen = before.filter((j) => j.status === 'pending').length;
    dockerd.thaw();
    const t0 = Date.now();
    const after = await waitFor('every job running or final', async () => {
      const jobs = await mine();
      return jobs.every((j) => j.status !== 'pending') ? jobs : undefined;
    }, 240_000);
    // Starts Docker gave up on while frozen (containerd's deadline), which the server started again.
    const retriedStarts = ((await server!.log()).match(/starting it again/g) ?? []).length;
    console.log(`FAULT docker-frozen: ${JSON.stringify({ burst, frozenMs, pendingWhenFrozen, retriedStarts, backToAllRunningMs: Date.now() - t0 })}`);
    expect(pendingWhenFrozen).toBeGreaterThan(0);
    expect(errored).toEqual([]);
    expect(after.filter((j) => j.status !== 'running').map((j) => `${j.id} ${j.status} ${j.reason ?? ''}`)).toEqual([]);
    expect(await server!.log()).not.toMatch(/unreachable/i);
    // And they run for real: each one's output is being captured.
    const quiet = await waitFor('every job to have output', async () => {
      const logs = await Promise.all(after.map((j) => c.call('job.logs', { id: j.id })));
      return logs.every((l) => (l.text ?? '').includes('x\n')) ? [] : undefined;
    }, 30_000).catch(() => after.map((j) => j.id));
    expect(quiet).toEqual([]);
    const a = await audit(c, dockerd.docker);
    expect(a.orphans).toEqual([]);
    expect(a.unsettled).toEqual([]);
  }, 480_000);
});
