// Fault: the (private) MariaDB goes away for 10 s while clients keep calling. Calls must fail fast
// with 5004 (never hang), and the server must recover by itself once the database is back, including
// the status of a job that ended during the outage. Two kinds of outage: stopped (connections
// refused) and frozen (SIGSTOP: connections open, no answers — the one that makes clients hang).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, RpcError, type MethodName } from '../../server/protocol/index.js';
import { startPrivateDockerd, startPrivateMariaDb, type PrivateDockerd, type PrivateMariaDb } from '../support/daemons.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';
import { audit, newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

let mariadb: PrivateMariaDb;
let dockerd: PrivateDockerd;
let dataDir: string;
let server: ChildCjm;
let api: CjmClient;
const adminToken = newAdminToken();
const figures = { faults: 0, calls: 0, answered5004: 0, otherErrors: 0, succeeded: 0, slowestMs: 0, recoveryMs: [] as number[], recordsLost: 0, orphans: 0 };

beforeAll(async () => {
  [mariadb, dockerd] = await Promise.all([startPrivateMariaDb(), startPrivateDockerd()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-db-'));
  const url = await mariadb.createDatabase('cjm_fault');
  server = await spawnCjm({ databaseUrl: url, adminToken, dockerHost: dockerd.host, dataDir });
  api = await createClient(server.rpcUrl, adminToken, { callTimeoutMs: 30_000 });
}, 180_000);

afterAll(async () => {
  console.log(`FAULT database-outage: ${JSON.stringify(figures)}`);
  api?.close();
  await server?.kill('SIGTERM');
  await mariadb?.destroy();
  await dockerd?.destroy();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const spec = (name: string, cmd: string) => ({ name: uniqueName(name), image: 'busybox:latest', cmd, cpus: 0.1, memoryMb: 16, network: 'none' as const });

async function outage(kind: 'stop' | 'freeze'): Promise<void> {
  const before = await api.call('job.create', spec('pre', 'echo before'));
  await waitForJob(api, before.id, (j) => j.status === 'exited');
  // Ends (exit 4) in the middle of the outage: its end must not be lost.
  const during = await api.call('job.create', spec('during', 'sleep 4; exit 4'));
  // Every job the server said it created, before, during and after the outage: none may be lost.
  const acknowledged = [before.id, during.id];
  await waitForJob(api, during.id, (j) => j.status === 'running');

  if (kind === 'stop') await mariadb.stop();
  else mariadb.freeze();
  figures.faults++;
  const outageStart = Date.now();
  const probes: [MethodName, () => Promise<unknown>][] = [
    ['job.list', () => api.call('job.list', {})],
    ['job.get', () => api.call('job.get', { id: before.id })],
    ['job.create', () => api.call('job.create', spec('x', 'echo x')).then((j) => acknowledged.push(j.id))],
    ['job.logs', () => api.call('job.logs', { id: before.id })],
  ];
  const outcomes: { method: string; ms: number; code: number | 'ok' }[] = [];
  while (Date.now() - outageStart < 10_000) {
    await Promise.all(
      probes.map(async ([method, call]) => {
        const t0 = Date.now();
        let code: number | 'ok' = 'ok';
        try {
          await call();
        } catch (e) {
          code = e instanceof RpcError ? e.code : -1;
        }
        outcomes.push({ method, ms: Date.now() - t0, code });
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
  }
  // The server itself stays up and answers what needs no database.
  await expect(api.call('system.ping', {})).resolves.toMatchObject({ ok: true });

  if (kind === 'stop') await mariadb.start();
  else mariadb.thaw();
  const back = Date.now();
  await waitFor('job.list to work again', async () => api.call('job.list', {}).then(() => true, () => false), 60_000);
  figures.recoveryMs.push(Date.now() - back);

  figures.calls += outcomes.length;
  figures.answered5004 += outcomes.filter((o) => o.code === ErrorCode.DatabaseUnavailable).length;
  figures.succeeded += outcomes.filter((o) => o.code === 'ok').length;
  figures.otherErrors += outcomes.filter((o) => o.code !== 'ok' && o.code !== ErrorCode.DatabaseUnavailable).length;
  figures.slowestMs = Math.max(figures.slowestMs, ...outcomes.map((o) => o.ms));
  const summary = outcomes.reduce<Record<string, string[]>>((acc, o) => ({ ...acc, [o.method]: [...(acc[o.method] ?? []), `${o.code}:${o.ms}`] }), {});
  console.log(`${kind}: ${outcomes.length} calls during the outage; recovery ${figures.recoveryMs.at(-1)} ms; ${JSON.stringify(summary)}`);

  // Every call ended in time; none that needed the database claimed success, none said -32603.
  // "Under ~5 s": a frozen database is detected by the driver's timeouts, which sit at about 5 s.
  expect(outcomes.filter((o) => o.ms > 5500), 'calls slower than 5.5 s').toEqual([]);
  const bad = outcomes.filter((o) => o.code !== ErrorCode.DatabaseUnavailable && !(o.code === 'ok' && o.method !== 'job.create'));
  expect(bad, 'calls that did not answer 5004').toEqual([]);

  // Recovered by itself: the job that ended during the outage has its real status.
  const done = await waitForJob(api, during.id, (j) => j.status === 'exited', 30_000).catch(async () => api.call('job.get', { id: during.id }));
  expect(done).toMatchObject({ status: 'exited', reason: 'failed', exitCode: 4 });
  const fresh = await api.call('job.create', spec('post', 'echo after'));
  acknowledged.push(fresh.id);
  await waitForJob(api, fresh.id, (j) => j.status === 'exited');

  const a = await audit(api, dockerd.docker);
  figures.orphans += a.orphans.length;
  const recordsLost = acknowledged.filter((id) => !a.jobs.some((j) => j.id === id));
  figures.recordsLost += recordsLost.length;
  expect(recordsLost, 'acknowledged jobs without a record').toEqual([]);
  expect(a.orphans, 'containers without a record (a create during the outage left one?)').toEqual([]);
}

describe('database outage of 10 s', () => {
  it('stopped: calls fail fast with 5004, the server recovers by itself', () => outage('stop'), 120_000);
  it('frozen (SIGSTOP): calls still fail fast with 5004, the server recovers by itself', () => outage('freeze'), 120_000);
});
