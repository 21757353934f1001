// CJM_RETENTION on the real stack: a finished job older than the retention is removed by the sweep,
// with its container and its log directory; running jobs stay.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, RpcError } from '../../server/protocol/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { uniqueName, waitFor, waitForJob } from '../support/wait.js';

const docker = new Docker();
let server: TestServer;
let api: CjmClient;

beforeAll(async () => {
  server = await startTestServer({ env: { CJM_RETENTION: '2s' } });
  api = await createClient(server.url, server.adminToken);
});

afterAll(async () => {
  api?.close();
  await server?.close();
});

const gone = async (id: number) => {
  try {
    await api.call('job.get', { id });
    return false;
  } catch (e) {
    if (e instanceof RpcError && e.code === ErrorCode.JobNotFound) return true;
    throw e;
  }
};

it('removes a job finished longer ago than CJM_RETENTION, with its container and logs; a running job stays', async () => {
  const removedNotes: number[] = [];
  api.on('job.removed', ({ id }) => removedNotes.push(id));
  await api.call('events.subscribe', {});
  const base = { image: 'busybox:latest', cpus: 0.1, memoryMb: 16, network: 'none' as const };
  const quick = await api.call('job.create', { ...base, name: uniqueName('ret'), cmd: 'echo bye' });
  const long = await api.call('job.create', { ...base, name: uniqueName('ret'), cmd: 'sleep 60' });
  const done = await waitForJob(api, quick.id, (j) => j.status === 'exited');
  const logDir = join(server.dataDir, 'jobs', String(quick.id));
  await access(logDir);

  await waitFor('the sweep to remove the finished job', () => gone(quick.id), 15_000);
  const removedAfterMs = Date.now() - Date.parse(done.finishedAt!);
  // Not before the retention is over (2 s), and within a sweep interval (1 s) or so after it.
  expect(removedAfterMs).toBeGreaterThanOrEqual(2000);
  expect(await access(logDir).then(() => true, () => false)).toBe(false);
  expect(await docker.getContainer(done.containerId!).inspect().then(() => true, () => false)).toBe(false);
  expect(removedNotes).toContain(quick.id);
  expect(await api.call('job.get', { id: long.id })).toMatchObject({ status: 'running' });
  await api.call('job.stop', { id: long.id, timeoutSeconds: 1 });
});
