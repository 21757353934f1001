// A lifecycle over the in-memory ports, for unit tests that force its races in order.
import type { Resources } from '../../server/core/admission.js';
import { createJobBus } from '../../server/core/job-bus.js';
import { createLifecycle, type LifecycleOptions } from '../../server/core/job-lifecycle.js';
import type { JobPatch, NewJob } from '../../server/core/ports.js';
import type { Job } from '../../server/protocol/index.js';
import { createFakeClock, createFakeJobStore, createFakeLogStore, createFakeRuntime, quietLogger } from './fake-ports.js';
import { newJob } from './job.js';

export const retryIntervalMs = 2000;

/** Room for this much at once unless a test says otherwise. */
export const defaultCapacity: Resources = { cpus: 64, memoryMb: 1024 * 1024 };

export function setupLifecycle(options: LifecycleOptions = {}, capacity: Resources = defaultCapacity) {
  const trace: string[] = [];
  const clock = createFakeClock();
  const store = createFakeJobStore(trace);
  const runtime = createFakeRuntime();
  const logs = createFakeLogStore(trace);
  const bus = createJobBus((err) => {
    throw err;
  });
  /** Every job.updated, in order. */
  const seen: Job[] = [];
  bus.subscribe({ user: 'admin', admin: true }, { updated: (job) => seen.push(job), removed: () => undefined });
  const lifecycle = createLifecycle({ store, runtime, logs, clock, logger: quietLogger, bus, capacity: async () => capacity }, { retryIntervalMs, ...options });
  const spec = (over: Partial<NewJob> = {}) => newJob({ createdAt: clock.now(), ...over });
  /** A job that was running before a restart, its container still there (running). */
  async function runningJob(over: JobPatch = {}): Promise<{ job: Job; containerId: string }> {
    const job = await store.insert(spec());
    const containerId = await runtime.create(job);
    await runtime.start(containerId, job);
    const running = await store.update(job.id, { status: 'running', containerId, startedAt: clock.now(), ...over });
    trace.length = 0;
    return { job: running!, containerId };
  }
  return { trace, clock, store, runtime, logs, lifecycle, seen, spec, runningJob };
}
