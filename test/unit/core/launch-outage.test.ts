// The database goes away at each step of a launch. The launch must never leave a rejection unhandled
// (vitest fails a run on one) and the job must settle to its true state once the database is back.
import { describe, expect, it } from 'vitest';
import { ImageUnavailableError } from '../../../server/core/errors.js';
import { deferred, settle } from '../../support/fake-ports.js';
import { retryIntervalMs, setupLifecycle as setup } from '../../support/lifecycle.js';

describe('a launch while the database fails (in-memory ports)', () => {
  it('a progress update refused during the pull does not stop the launch', async () => {
    const { store, runtime, lifecycle, spec } = setup();
    runtime.pullProgress = ['pulling 10%'];
    runtime.holdPull = deferred();
    const job = await store.insert(spec());
    // Down from the moment the pull starts (after admission read the queue): its progress is refused.
    const ensure = runtime.ensureImage.bind(runtime);
    runtime.ensureImage = async (image, onProgress) => {
      store.failing = true;
      return ensure(image, onProgress);
    };
    void lifecycle.schedule();
    await settle();
    expect(store.refused).toBe(1);

    store.failing = false;
    runtime.holdPull.resolve();
    await settle();
    expect(store.peek(job.id)).toMatchObject({ status: 'running', containerId: runtime.created[0] });
    await lifecycle.close();
  });

  it('a refused "creating container" step launches the job again once the database is back', async () => {
    const { clock, store, runtime, lifecycle, spec } = setup();
    runtime.holdPull = deferred();
    const job = await store.insert(spec());
    void lifecycle.schedule();
    await settle();
    store.failing = true;
    runtime.holdPull.resolve();
    await settle();
    // The create ran alongside the refused write: its container, named by no record, is gone again.
    expect(runtime.containers.size).toBe(0);
    expect(store.peek(job.id)).toMatchObject({ status: 'pending', containerId: null });

    await clock.advance(retryIntervalMs); // still down: tried and refused again
    expect(store.peek(job.id)?.status).toBe('pending');
    store.failing = false;
    await clock.advance(retryIntervalMs);
    expect(store.peek(job.id)).toMatchObject({ status: 'running', containerId: runtime.created.at(-1) });
    expect([...runtime.containers.keys()]).toEqual([runtime.created.at(-1)]);
    await lifecycle.close();
  });

  it('a refused containerId patch removes the unrecorded container and launches again', async () => {
    const { clock, store, runtime, lifecycle, spec } = setup();
    const create = runtime.create.bind(runtime);
    let creates = 0;
    runtime.create = async (j) => {
      const id = await create(j);
      if (++creates === 1) store.failing = true; // down between create and the patch naming it
      return id;
    };
    const job = await store.insert(spec());
    void lifecycle.schedule();
    await settle();
    expect(runtime.created).toHaveLength(1);
    expect(runtime.containers.has(runtime.created[0]!)).toBe(false); // no stray left behind
    expect(store.peek(job.id)).toMatchObject({ status: 'pending', containerId: null });

    store.failing = false;
    await clock.advance(retryIntervalMs);
    expect(runtime.created).toHaveLength(2);
    expect(store.peek(job.id)).toMatchObject({ status: 'running', containerId: runtime.created[1] });
    expect([...runtime.containers.keys()]).toEqual([runtime.created[1]]);
    await lifecycle.close();
  });

  it('a refused running patch is stored once the database is back, with what start read back', async () => {
    const { clock, store, runtime, lifecycle, spec } = setup();
    runtime.holdStart = deferred();
    const job = await store.insert(spec({ timeoutSeconds: 60 }));
    void lifecycle.schedule();
    await settle();
    expect(store.peek(job.id)).toMatchObject({ status: 'pending', progress: 'starting' });
    store.failing = true;
    runtime.holdStart.resolve();
    await settle();
    expect(store.peek(job.id)?.status).toBe('pending');

    store.failing = false;
    await clock.advance(retryIntervalMs);
    expect(store.peek(job.id)).toMatchObject({
      status: 'running',
      containerId: runtime.created[0],
      progress: null,
      enforced: { cpus: true, memory: true, ioWeight: true, pids: true },
    });
    expect(runtime.created).toHaveLength(1);
    // Its timeout was armed by the retry: it is stopped at 60 s after its start.
    await clock.advance(60_000);
    expect(runtime.stops).toEqual([runtime.created[0]]);
    await lifecycle.close();
  });

  it('a launch failure whose failure path is refused ends the job in error once the database is back', async () => {
    const { clock, store, runtime, lifecycle, spec } = setup();
    runtime.holdPull = deferred();
    runtime.pullError = new ImageUnavailableError('nosuch:1', 'not found');
    const jobs = await Promise.all([1, 2, 3, 4].map((n) => store.insert(spec({ name: `j${n}` }))));
    void lifecycle.schedule();
    await settle();
    store.failing = true; // frozen while all four pulls fail
    runtime.holdPull.resolve();
    await settle();
    await clock.advance(retryIntervalMs * 3);
    for (const j of jobs) expect(store.peek(j.id)?.status).toBe('pending');

    store.failing = false;
    await clock.advance(retryIntervalMs);
    for (const j of jobs) expect(store.peek(j.id)).toMatchObject({ status: 'error', reason: 'image nosuch:1: not found', containerId: null });
    expect(runtime.created).toEqual([]);
    await lifecycle.close();
  });
});
