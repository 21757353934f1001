// Captures cut short by a restart are finished by whoever reaches the job first. Docker's event for a
// job can arrive before the start-up reconcile reaches it (many jobs, a loaded host): the event alone
// must resume the capture before the job ends. And a job marked exited before its log was drained
// (an exit waits only a few seconds for it) is finished by the start-up reconcile. Otherwise output
// written while the server was down is lost. Real dockerd, MariaDB and log files.
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
  return { logs, lifecycle: createLifecycle({ store, runtime, logs, clock, logger: silentLogger, bus, capacity: async () => (await runtime.info()).capacity }) };
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

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');
const counter = 'i=1; while [ $i -le 12 ]; do echo "line $i"; i=$((i+1)); sleep 0.25; done';

/** Launches a 12-line counter, lets 3 lines be captured, stops this server mid-job and waits for the
 * container to end: the log is incomplete, the record says running. */
async function cutShort() {
  const first = serverParts();
  const job = await store.insert(newJob({ cmd: counter, network: 'none', memoryMb: 16 }));
  void first.lifecycle.schedule();
  await waitFor('line 3 in the log', async () => (await first.logs.tail(job.id, 4096, 'all')).text.includes('line 3'), 30_000);
  await first.lifecycle.close();
  await first.logs.close();
  const running = await store.get(job.id);
  expect(running).toMatchObject({ status: 'running' });
  await docker.getContainer(running!.containerId!).wait();
  return { id: job.id, containerId: running!.containerId! };
}

it('a die event after a restart resumes the capture: every line is kept, once, in order', async () => {
  const { id, containerId } = await cutShort();
  // The next server hears the die event before any reconcile has looked at this job.
  const second = serverParts();
  second.lifecycle.handleEvent({ type: 'die', containerId, jobId: id, exitCode: 0 });
  const done = await waitFor('the job to end', async () => {
    const j = await store.get(id);
    return j?.status === 'exited' ? j : null;
  }, 30_000);
  expect(done).toMatchObject({ reason: 'completed', exitCode: 0 });
  expect((await second.logs.tail(id, 4096, 'all')).text).toBe(lines(12));
  await second.lifecycle.close();
  await second.logs.close();
});

it('a job already final with its log cut short is finished by the start-up reconcile', async () => {
  const { id } = await cutShort();
  await store.update(id, { status: 'exited', reason: 'completed', exitCode: 0, finishedAt: new Date() });
  const second = serverParts();
  await second.lifecycle.reconcile();
  await second.logs.drained(id);
  expect((await second.logs.tail(id, 4096, 'all')).text).toBe(lines(12));
  await second.lifecycle.close();
  await second.logs.close();
});
