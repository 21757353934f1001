// Fault: the cjm server (swarm runtime) is SIGKILLed while a swarm job prints on the worker, then
// started again: the job's log resumes from the service logs with no gap and no duplicate; and while
// a stop of a worker's job is under way: the job still ends stopped. A private
// two-node swarm (test/support/swarm.ts), a throwaway database on the shared MariaDB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../server/protocol/client.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestSwarm, type TestSwarm } from '../support/swarm.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';
import { countLines, lineLoop, newAdminToken, spawnCjm, type ChildCjm } from './harness.js';

let swarm: TestSwarm;
let db: TestDatabase;
let dataDir: string;
let server: ChildCjm | null = null;
const adminToken = newAdminToken();

beforeAll(async () => {
  [swarm, db] = await Promise.all([startTestSwarm(), createTestDatabase()]);
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-fault-swarm-'));
}, 120_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await swarm?.destroy();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

const start = () => spawnCjm({ databaseUrl: db.url, adminToken, dockerHost: swarm.manager.host, dataDir, extra: { CJM_RUNTIME: 'swarm' } });
const LINES = 60;

describe('SIGKILL of a swarm-runtime server while its job prints', () => {
  it('the log has every line once, in order, after the restart', async () => {
    server = await start();
    let api = await createClient(server.rpcUrl, adminToken);
    const job = await api.call('job.create', {
      name: uniqueName('swk'),
      image: 'busybox:latest',
      cmd: lineLoop(LINES, 0.1),
      cpus: 0.2,
      memoryMb: 32,
      constraints: [`node.hostname==${swarm.worker.hostname}`],
    });
    await waitFor('some output', async () => /line 10\n/.test((await api.call('job.logs', { id: job.id })).text ?? ''), 30_000);
    api.close();
    await server.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    server = await start();
    api = await createClient(server.rpcUrl, adminToken);
    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 60_000);
    expect(done).toMatchObject({ reason: 'completed', exitCode: 0 });
    const text = (await api.call('job.logs', { id: job.id })).text ?? '';
    const counted = countLines(text, LINES);
    console.log(`swarm server-kill: ${JSON.stringify(counted)}`);
    expect(counted).toMatchObject({ printed: LINES, lost: 0, duplicated: 0, gaps: 0, inOrder: true });
    await api.call('job.remove', { id: job.id });
    api.close();
  }, 120_000);

  it('a stop under way on the worker still ends the job stopped (not lost) after the restart', async () => {
    server ??= await start();
    let api = await createClient(server.rpcUrl, adminToken);
    // Ignores SIGTERM: the stop lasts the task's grace period (10 s), and the server dies during it.
    const job = await api.call('job.create', {
      name: uniqueName('sws'),
      image: 'busybox:latest',
      cmd: 'trap "" TERM; echo ignoring-term; while true; do sleep 0.2; done',
      cpus: 0.2,
      memoryMb: 32,
      constraints: [`node.hostname==${swarm.worker.hostname}`],
    });
    await waitForJob(api, job.id, (j) => j.status === 'running', 30_000);
    const { containerId: serviceId } = await api.call('job.stop', { id: job.id });
    // Killed once swarm has the stop: the task is marked to go (or the service is gone).
    await waitFor('swarm to have the stop', async () => {
      const tasks = (await swarm.manager.docker.listTasks({ filters: { service: [serviceId!] } }).catch(() => [])) as { DesiredState: string }[];
      return tasks.length === 0 || tasks.every((t) => t.DesiredState === 'remove');
    }, 10_000);
    expect(await api.call('job.get', { id: job.id })).toMatchObject({ status: 'running', progress: 'stopping' });
    api.close();
    await server.kill('SIGKILL');
    server = await start();
    api = await createClient(server.rpcUrl, adminToken);
    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 60_000);
    expect(done).toMatchObject({ status: 'exited', reason: 'stopped' });
    expect((await api.call('job.logs', { id: job.id })).text).toBe('ignoring-term\n');
    await api.call('job.remove', { id: job.id });
    api.close();
  }, 120_000);
});
