// A burst of 100 job.create at once on the real dockerd, then 100 job.remove at once: every job runs,
// none ends in error, every removal answers. Before the Docker call gate, 80 of these 100 ended
// `error` "Docker became unreachable" (a fixed 30 s per-call deadline while the daemon was merely busy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { Job, JobSpecInput } from '../../server/protocol/index.js';
import { managedFilters } from '../../server/adapters/docker/container-config.js';
import { testDocker } from '../support/docker.js';
import { startTestServer } from '../support/server.js';
import { uniqueName, waitFor } from '../support/wait.js';

const burst = 100;
let server: Awaited<ReturnType<typeof startTestServer>>;
let api: CjmClient;
/** Every progress text a job showed while pending, from job.updated. */
const progress = new Map<number, string[]>();

const spec = (): JobSpecInput => ({ name: uniqueName('burst'), image: 'busybox:latest', cmd: 'while true; do echo x; sleep 1; done', cpus: 0.01, memoryMb: 16, network: 'none' });

beforeAll(async () => {
  // 8 slots, not the default 32: more jobs than slots for sure, so waiting is exercised.
  server = await startTestServer({ env: { CJM_QUOTA_JOBS: String(burst), CJM_DOCKER_CONCURRENCY: '8' } });
  api = await createClient(server.url, server.adminToken, { callTimeoutMs: 120_000 });
  api.on('job.updated', ({ job }) => {
    if (job.progress) progress.set(job.id, [...(progress.get(job.id) ?? []), job.progress]);
  });
  await api.call('events.subscribe', {});
});

afterAll(async () => {
  api?.close();
  await server?.close();
});

describe(`a burst of ${burst} job.create on the real dockerd`, () => {
  it('all reach running, none ends in error; then a burst of job.remove clears them all', async () => {
    const t0 = performance.now();
    const created = await Promise.all(Array.from({ length: burst }, () => api.call('job.create', spec())));
    expect(created.every((j) => j.status === 'pending')).toBe(true);
    const ids = new Set(created.map((j) => j.id));

    const jobs = await waitFor(
      'every job running or final',
      async () => {
        const page = await api.call('job.list', { limit: 500 });
        const mine = page.jobs.filter((j) => ids.has(j.id));
        return mine.every((j) => j.status !== 'pending') ? mine : undefined;
      },
      300_000,
    );
    const wallS = (performance.now() - t0) / 1000;
    const waited = [...progress.values()].filter((p) => p.some((text) => /^waiting for Docker: \d+ calls ahead$/.test(text))).length;
    console.log(`burst: ${burst} creates to running in ${wallS.toFixed(1)} s; ${waited} jobs showed "waiting for Docker"`);
    const notRunning = jobs.filter((j) => j.status !== 'running').map((j: Job) => `${j.id} ${j.status} ${j.reason ?? ''}`);
    expect(notRunning).toEqual([]);
    // More jobs than slots: the later ones said why they were still pending.
    expect(waited).toBeGreaterThan(0);

    const r0 = performance.now();
    const removed = await Promise.all(created.map((j) => api.call('job.remove', { id: j.id })));
    console.log(`burst: ${burst} removes in ${((performance.now() - r0) / 1000).toFixed(1)} s`);
    expect(removed.every((r) => r.removed)).toBe(true);
    const containers = await testDocker().listContainers({ all: true, filters: { label: managedFilters(server.config.instance) } });
    expect(containers).toEqual([]);
  }, 600_000);
});
