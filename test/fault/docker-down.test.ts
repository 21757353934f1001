// Fault: Docker unreachable. A server whose DOCKER_HOST points at a stopped private dockerd answers
// job.create with 5003 (fast, no row left), still serves what lives in the database, and works
// again once dockerd is back; also when it had to start while Docker was down.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, RpcError } from '../../server/protocol/index.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/daemons.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';
import { audit, newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

let dockerd: PrivateDockerd;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm | null = null;
const clients: CjmClient[] = [];
const adminToken = newAdminToken();
const figures = { faults: 0, creates: 0, answered5003: 0, slowestMs: 0, orphans: 0 };

beforeAll(async () => {
  [dockerd, db] = await Promise.all([startPrivateDockerd(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-nodocker-'));
}, 120_000);

afterAll(async () => {
  console.log(`FAULT docker-down: ${JSON.stringify(figures)}`);
  for (const c of clients) c.close();
  await server?.kill('SIGTERM');
  await dockerd?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const spec = () => ({ name: uniqueName('nd'), image: 'busybox:latest', cmd: 'echo hi', cpus: 0.1, memoryMb: 16, network: 'none' as const });

async function connect(): Promise<CjmClient> {
  server = await spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: dockerd.host, dataDir });
  const c = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 30_000 });
  clients.push(c);
  return c;
}

async function expect5003(api: CjmClient): Promise<void> {
  const before = (await api.call('job.list', { limit: 500 })).jobs.length;
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const e = await api.call('job.create', spec()).then(
      () => null,
      (x: unknown) => x,
    );
    const ms = Date.now() - t0;
    figures.creates++;
    figures.slowestMs = Math.max(figures.slowestMs, ms);
    expect(e).toBeInstanceOf(RpcError);
    expect((e as RpcError).code).toBe(ErrorCode.DockerUnavailable);
    figures.answered5003++;
    expect(ms).toBeLessThan(5000);
  }
  // Nothing stored for the refused creates; the database side still works.
  expect((await api.call('job.list', { limit: 500 })).jobs.length).toBe(before);
}

describe('Docker unreachable', () => {
  it('a running server: job.create 5003, job.list and job.get still work, then it recovers', async () => {
    const api = await connect();
    const job = await api.call('job.create', spec());
    await waitForJob(api, job.id, (j) => j.status === 'exited');

    await dockerd.stop();
    figures.faults++;
    await expect5003(api);
    await expect(api.call('job.get', { id: job.id })).resolves.toMatchObject({ status: 'exited' });
    await expect(api.call('job.logs', { id: job.id })).resolves.toMatchObject({ id: job.id });
    const refresh = await api.call('job.refresh', { id: job.id }).then(() => 'ok', (e: RpcError) => e.code);
    expect([ErrorCode.DockerUnavailable, 'ok']).toContain(refresh);

    await dockerd.start();
    const again = await waitFor('job.create to work again', async () => api.call('job.create', spec()).catch(() => undefined), 30_000);
    await waitForJob(api, again.id, (j) => j.status === 'exited');
    await server!.kill('SIGTERM');
  }, 120_000);

  it('a server started while Docker is down: answers, 5003 on create, recovers when Docker is back', async () => {
    await dockerd.stop();
    figures.faults++;
    const api = await connect();
    await expect(api.call('system.ping', {})).resolves.toMatchObject({ ok: true });
    await expect5003(api);
    await dockerd.start();
    const again = await waitFor('job.create to work again', async () => api.call('job.create', spec()).catch(() => undefined), 30_000);
    await waitForJob(api, again.id, (j) => j.status === 'exited');
    const a = await audit(api, dockerd.docker);
    figures.orphans += a.orphans.length;
    expect(a.orphans).toEqual([]);
    expect(a.unsettled).toEqual([]);
  }, 120_000);
});
