// Jobs run under Docker's init, so SIGTERM reaches `sh -c`: the README's four examples stop at once
// with 143 (SIGTERM) at job.stop's default timeout, instead of waiting it out and ending with 137.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CjmClient } from '../../server/protocol/client.js';
import type { JobSpecInput } from '../../server/protocol/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { uniqueName, waitForJob } from '../support/wait.js';

let server: TestServer;
let api: CjmClient;

beforeAll(async () => {
  server = await startTestServer();
  api = await createClient(server.url, server.adminToken);
});

afterAll(async () => {
  api?.close();
  await server?.close();
});

// The README's examples as written there (busybox), and httpd serving a directory.
const examples: [string, Omit<JobSpecInput, 'name'>][] = [
  ['hello, then wait', { image: 'busybox', cmd: 'echo "Hello from Cloud Job Manager!" && sleep 60', cpus: 0.5, memoryMb: 128, ioWeight: 500 }],
  ['a web server', { image: 'busybox', cmd: 'httpd -f -p 8000', cpus: 1, memoryMb: 256, ioWeight: 700 }],
  ['the date every 5 seconds', { image: 'busybox', cmd: 'while true; do date; sleep 5; done', cpus: 0.2, memoryMb: 64, ioWeight: 300 }],
  ['CPU-bound under half a CPU', { image: 'busybox', cmd: 'while :; do :; done', timeoutSeconds: 30, cpus: 0.5, memoryMb: 256, ioWeight: 500 }],
  ['httpd serving a directory', { image: 'busybox', cmd: 'mkdir -p /www && echo hi > /www/index.html && httpd -f -p 8000 -h /www', cpus: 0.5, memoryMb: 64 }],
];

describe('job.stop at the default timeout (10 s)', () => {
  it.each(examples)('%s: ends within 2 s with exit 143', async (_what, spec) => {
    const job = await api.call('job.create', { ...spec, name: uniqueName('sig') });
    await waitForJob(api, job.id, (j) => j.status === 'running');
    // Let the shell get into its loop or its child, where a stop really has to reach it.
    await new Promise((r) => setTimeout(r, 300));
    const asked = performance.now();
    await api.call('job.stop', { id: job.id });
    const done = await waitForJob(api, job.id, (j) => j.status === 'exited', 15_000);
    const elapsedMs = performance.now() - asked;
    expect(done).toMatchObject({ reason: 'stopped', exitCode: 143 });
    expect(elapsedMs, `stopped after ${Math.round(elapsedMs)} ms`).toBeLessThan(2000);
  });
});
