// After a restart, Docker's event for a job can arrive before the start-up reconcile reaches that job
// (many jobs, a loaded host). The event alone must resume the job's log capture before the job ends,
// or the output written while the server was down is lost. Real dockerd, MariaDB and log files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerRuntime } from '../../../server/adapters/docker/index.js';
import { createFileLogStore } from '../../../server/adapters/logs/index.js';
import { createJobStore, createMysqlPool } from '../../../server/adapters/mysql/index.js';
import { createSystemClock } from '../../../server/core/clock.js';
import { createJobBus } from '../../../server/core/job-bus.js';
import { createLifecycle, type Lifecycle } from '../../../server/core/job-lifecycle.js';
import type { JobStore, LogStore } from '../../../server/core/ports.js';
import { removeLabelled, silentLogger, testDocker, testRunTag } from '../../support/docker.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { waitFor } from '../../support/wait.js';
import { newJob } from '../mysql/fixtures.js';

const docker = testDocker();
const instance = testRunTag('resume');
const clock = createSystemClock();
const runtime = createDockerRuntime({ docker, logger: silentLogger }, { instance });
let db: TestDatabase;
let pool: Pool;
let store: JobStore;
let dataDir: string;

/** One server's worth of log store and lifecycle over the shared database and data dir. */
function serverParts(): { logs: LogStore; lifecycle: Lifecycle } {
  const logs = createFileLogStore({ runtime, clock, logger: silentLogger }, { dataDir, maxBytes: 1024 * 1024 });
  const bus = createJobBus(() => {});
  return { logs, lifecycle: createLifecycle({ store, runtime, logs, clock, logger: silentLogger, bus }) };
}

beforeAll(async () => {
  await docker.ping(); // fail, not skip, without dockerd
  db = await createTestDatabase({ migrate: true });
  pool = createMysqlPool(db.url);
  store = createJobStore({ pool, logger: silentLogger });
  dataDir = await mkdtemp(join(tmpdir(), 'cjm-resume-'));
});

afterAll(async () => {
  await removeLabelled(docker, `cjm.instance=${instance}`);
  await pool?.end();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

it('a die event after a restart resumes the capture: every line is kept, once, in order', async () => {
  const first = serverParts();
  const job = await store.insert(newJob({ cmd: 'i=1; while [ $i -le 12 ]; do echo "line $i"; i=$((i+1)); sleep 0.25; done', network: 'none', memoryMb: 16 }));
  first.lifecycle.launch(job);
  await waitFor('line 3 in the log', async () => (await first.logs.tail(job.id, 4096, 'all')).text.includes('line 3'), 30_000);

  // The server goes away mid-job (its capture stops with the log incomplete), the job ends meanwhile.
  await first.lifecycle.close();
  await first.logs.close();
  const running = await store.get(job.id);
  expect(running).toMatchObject({ status: 'running' });
  await docker.getContainer(running!.containerId!).wait();

  // The next server hears the die event before any reconcile has looked at this job.
  const second = serverParts();
  second.lifecycle.handleEvent({ type: 'die', containerId: running!.containerId!, jobId: job.id, exitCode: 0 });
  const done = await waitFor('the job to end', async () => {
    const j = await store.get(job.id);
    return j?.status === 'exited' ? j : null;
  }, 30_000);
  expect(done).toMatchObject({ reason: 'completed', exitCode: 0 });

  const text = (await second.logs.tail(job.id, 4096, 'all')).text;
  expect(text).toBe(Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join(''));
  await second.lifecycle.close();
  await second.logs.close();
});
