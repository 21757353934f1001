// job.stop answers at once and the job shows it stopping; job.kill ends it now. Real dockerd, real
// MariaDB, the busybox image, over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import { ErrorCode, type Job, type JobSpecInput } from '../../server/protocol/index.js';
import { startTestServer } from '../support/server.js';
import { rpcError, uniqueName, waitForJob } from '../support/wait.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let api: CjmClient;
/** Every job.updated this connection received, in order. */
const updates: Job[] = [];

const spec = (cmd: string): JobSpecInput => ({ name: uniqueName('it-stop'), image: 'busybox:latest', cmd, cpus: 0.5, memoryMb: 64 });

beforeAll(async () => {
  server = await startTestServer();
  api = await createClient(server.url, server.adminToken);
  api.on('job.updated', ({ job }) => updates.push(job));
  await api.call('events.subscribe', {});
});

afterAll(async () => {
  api?.close();
  await server?.close();
});

describe('job.stop and job.kill on the real dockerd', () => {
  it('a job that ignores SIGTERM shows "stopping" until job.kill ends it at once: exited/stopped, 137', async () => {
    const job = await api.call('job.create', spec('trap "" TERM; while true; do sleep 1; done'));
    await waitForJob(api, job.id, (j) => j.status === 'running');

    const t0 = performance.now();
    const answer = await api.call('job.stop', { id: job.id, timeoutSeconds: 60 });
    const answerMs = performance.now() - t0;
    console.log(`job.stop answered in ${answerMs.toFixed(0)} ms`);
    expect(answer).toMatchObject({ id: job.id, status: 'running', progress: 'stopping' });
    expect(answerMs).toBeLessThan(1000);
    expect(updates.filter((j) => j.id === job.id).at(-1)).toMatchObject({ status: 'running', progress: 'stopping' });

    // Still stopping for as long as we look (its stop timeout is 60 s); asking again changes nothing.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(await api.call('job.get', { id: job.id })).toMatchObject({ status: 'running', progress: 'stopping' });
    }
    expect(await api.call('job.stop', { id: job.id })).toMatchObject({ status: 'running', progress: 'stopping' });

    const k0 = performance.now();
    await api.call('job.kill', { id: job.id });
    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 5000);
    const killMs = performance.now() - k0;
    console.log(`job.kill to exited: ${killMs.toFixed(0)} ms`);
    expect(done).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 137, progress: null });
    expect(killMs).toBeLessThan(2000);

    // Idempotent on the final job.
    expect(await api.call('job.kill', { id: job.id })).toEqual(done);
    expect(await api.call('job.stop', { id: job.id })).toEqual(done);
  }, 60_000);

  it('a stop that waits out its timeout shows "stopping" until then and ends exited/stopped', async () => {
    const job = await api.call('job.create', spec('trap "" TERM; while true; do sleep 1; done'));
    await waitForJob(api, job.id, (j) => j.status === 'running');

    const t0 = performance.now();
    expect(await api.call('job.stop', { id: job.id, timeoutSeconds: 3 })).toMatchObject({ progress: 'stopping' });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await api.call('job.get', { id: job.id })).toMatchObject({ status: 'running', progress: 'stopping' });
    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 20_000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3000);
    expect(done).toMatchObject({ reason: 'stopped', exitCode: 137, progress: null });
    // In order: running, stopping, then final.
    const seen = updates.filter((j) => j.id === job.id).map((j) => `${j.status}${j.progress ? `/${j.progress}` : ''}`);
    expect(seen.slice(seen.indexOf('running'))).toEqual(['running', 'running/stopping', 'exited']);
  }, 60_000);

  it('a plain `sleep 300` job: the stop answers in well under a second, stopping; the final state follows', async () => {
    const job = await api.call('job.create', spec('sleep 300'));
    await waitForJob(api, job.id, (j) => j.status === 'running');

    const t0 = performance.now();
    const answer = await api.call('job.stop', { id: job.id });
    const answerMs = performance.now() - t0;
    console.log(`job.stop (sleep 300) answered in ${answerMs.toFixed(0)} ms`);
    expect(answerMs).toBeLessThan(1000);
    expect(answer).toMatchObject({ status: 'running', progress: 'stopping' });

    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 30_000);
    expect(done).toMatchObject({ reason: 'stopped', progress: null });
    expect([137, 143]).toContain(done.exitCode);
  }, 60_000);

  it('job.kill on an unknown id is 4004', async () => {
    expect((await rpcError(api.call('job.kill', { id: 987654321 }))).code).toBe(ErrorCode.JobNotFound);
  });
});
