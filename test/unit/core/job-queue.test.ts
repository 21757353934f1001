// The queue's flow with in-memory ports: admission on a job's end, the position read, kill of a queued
// job, a restart over the same records, and a timeout that counts from the start. Real Docker and
// MariaDB: test/integration/queue.test.ts.
import { describe, expect, it } from 'vitest';
import { deferred, settle } from '../../support/fake-ports.js';
import { setupLifecycle } from '../../support/lifecycle.js';
import { createLifecycle } from '../../../server/core/job-lifecycle.js';
import { createJobBus } from '../../../server/core/job-bus.js';
import { quietLogger } from '../../support/fake-ports.js';

const oneCpu = { cpus: 1, memoryMb: 4096 };

function setup() {
  const parts = setupLifecycle({}, oneCpu);
  const { runtime, lifecycle, clock } = parts;
  // A container starts when the clock says, as Docker's would.
  runtime.afterStart = () => ({ startedAt: clock.now() });
  runtime.events((e) => lifecycle.handleEvent(e));
  /** Stores n jobs of 0.5 CPU and lets admission run after each, as job.create does. */
  async function submit(n: number, over: Parameters<typeof parts.spec>[0] = {}) {
    const jobs = [];
    for (let i = 0; i < n; i++) {
      jobs.push(await parts.store.insert(parts.spec({ cpus: 0.5, ...over })));
      await lifecycle.schedule();
    }
    await settle();
    return jobs;
  }
  const containerOf = (jobId: number) => [...runtime.containers.entries()].find(([, c]) => c.jobId === jobId)?.[0];
  const read = async (id: number) => lifecycle.present((await parts.store.get(id))!);
  return { ...parts, submit, containerOf, read };
}

describe('the queue (in-memory ports)', () => {
  it('three 0.5-CPU jobs on 1 CPU: two run, the third waits at position 1 of 1 and starts when one ends', async () => {
    const { lifecycle, runtime, submit, containerOf, read } = setup();
    const [a, b, c] = await submit(3);

    expect((await read(a!.id)).status).toBe('running');
    expect((await read(b!.id)).status).toBe('running');
    expect(await read(c!.id)).toMatchObject({ status: 'pending', containerId: null, progress: 'queued: position 1 of 1' });
    expect(runtime.created).toHaveLength(2);
    expect(lifecycle.queueState()).toEqual({ allocated: { cpus: 1, memoryMb: a!.memoryMb + b!.memoryMb }, queued: 1 });

    runtime.exit(containerOf(a!.id)!, 0);
    await settle();
    expect(await read(c!.id)).toMatchObject({ status: 'running', progress: null });
    expect(runtime.created).toHaveLength(3);
    expect(lifecycle.queueState().queued).toBe(0);
    await lifecycle.close();
  });

  it('a job\'s room is free once its container dies: the next starts while the end is still being stored (log draining)', async () => {
    const { lifecycle, runtime, logs, submit, containerOf, read } = setup();
    const [a, , c] = await submit(3);
    const drain = deferred();
    logs.draining = drain.promise;
    runtime.exit(containerOf(a!.id)!, 0);
    await settle();
    expect((await read(a!.id)).status).toBe('running');
    expect(await read(c!.id)).toMatchObject({ status: 'running' });
    drain.resolve();
    await settle();
    expect(await read(a!.id)).toMatchObject({ status: 'exited', reason: 'completed' });
    expect(lifecycle.queueState()).toMatchObject({ allocated: { cpus: 1 }, queued: 0 });
    await lifecycle.close();
  });

  it('a job entering the queue and leaving it sends one job.updated each; the others waiting send none', async () => {
    const { lifecycle, runtime, submit, containerOf, seen } = setup();
    const [a, , c, d, e] = await submit(5);
    const queuedEvents = seen.filter((j) => j.progress?.startsWith('queued'));
    expect(queuedEvents.map((j) => [j.id, j.progress])).toEqual([
      [c!.id, 'queued: position 1 of 1'],
      [d!.id, 'queued: position 2 of 2'],
      [e!.id, 'queued: position 3 of 3'],
    ]);

    seen.length = 0;
    runtime.exit(containerOf(a!.id)!, 0);
    await settle();
    // a's exit, then c leaving the queue and c's launch; nothing for d or e.
    expect(seen.some((j) => j.id === d!.id || j.id === e!.id)).toBe(false);
    expect(seen.filter((j) => j.id === c!.id)[0]).toMatchObject({ status: 'pending', progress: null });
    // Their positions moved all the same, as a read shows.
    expect(lifecycle.present(d!)).toMatchObject({ progress: 'queued: position 1 of 2' });
    await lifecycle.close();
  });

  it('kill of a queued job ends it stopped at once, with no container ever made, and frees its place', async () => {
    const { lifecycle, runtime, store, submit, containerOf, read } = setup();
    const [a, , c, d] = await submit(4);
    expect((await read(d!.id)).progress).toBe('queued: position 2 of 2');

    expect(await lifecycle.kill(c!)).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    await settle();
    expect((await read(d!.id)).progress).toBe('queued: position 1 of 1');

    runtime.exit(containerOf(a!.id)!, 0);
    await settle();
    expect(store.peek(c!.id)).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    expect(runtime.containers.size).toBe(3);
    expect([...runtime.containers.values()].map((x) => x.jobId)).not.toContain(c!.id);
    expect((await read(d!.id)).status).toBe('running');
    await lifecycle.close();
  });

  it('after a restart queued jobs are still queued in the same order, and none starts twice', async () => {
    const { lifecycle, runtime, store, clock, submit, containerOf } = setup();
    const [a, b, ...waiting] = await submit(5);
    const order = async (l: typeof lifecycle) => (await store.listActive()).filter((j) => j.status === 'pending').map((j) => [j.id, l.present(j).progress]);
    const before = await order(lifecycle);
    expect(before).toEqual(waiting.map((j, i) => [j.id, `queued: position ${i + 1} of 3`]));
    await lifecycle.close();

    // A new server over the same records and containers.
    const bus = createJobBus(() => undefined);
    const again = createLifecycle({ store, runtime, logs: setupLifecycle().logs, clock, logger: quietLogger, bus, capacity: async () => oneCpu });
    runtime.events((e) => again.handleEvent(e));
    await again.reconcile();
    await settle();
    expect(await order(again)).toEqual(before);
    expect(runtime.created).toHaveLength(2);

    runtime.exit(containerOf(a!.id)!, 0);
    runtime.exit(containerOf(b!.id)!, 0);
    await settle();
    expect(runtime.created).toHaveLength(4);
    expect(new Set([...runtime.containers.values()].map((x) => x.jobId)).size).toBe(4);
    expect(store.peek(waiting[0]!.id)?.status).toBe('running');
    expect(store.peek(waiting[1]!.id)?.status).toBe('running');
    await again.close();
  });

  it('a burst of creates shares passes kept 50 ms apart; a call in a quiet spell gets its pass at once', async () => {
    const parts = setupLifecycle({ queuePassGapMs: 50 }, oneCpu);
    const { store, lifecycle, clock, spec } = parts;
    let passes = 0;
    const read = store.listActiveBrief.bind(store);
    store.listActiveBrief = () => {
      passes++;
      return read();
    };
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await store.insert(spec({ cpus: 0.5 })));
    let answered = 0;
    const creates = jobs.map(() => lifecycle.schedule().then(() => answered++));
    await settle();
    expect(passes).toBe(1);
    expect(answered).toBe(1);
    expect(lifecycle.queueState().queued).toBe(3);

    await clock.advance(49);
    expect(passes).toBe(1);
    await clock.advance(1);
    await Promise.all(creates);
    expect(passes).toBe(2);
    expect(answered).toBe(5);

    await clock.advance(60);
    await lifecycle.schedule();
    expect(passes).toBe(3);
    await lifecycle.close();
  });

  it('a timeout counts from the start, not from the time in the queue', async () => {
    const { lifecycle, runtime, clock, submit, containerOf, read } = setup();
    const [a, b] = await submit(2, { cpus: 1 });
    const timed = (await submit(1, { cpus: 1, timeoutSeconds: 5 }))[0]!;
    expect((await read(timed.id)).progress).toBe('queued: position 2 of 2');

    await clock.advance(20_000); // queued for 20 s
    runtime.exit(containerOf(a!.id)!, 0);
    await settle();
    expect((await read(b!.id)).status).toBe('running');
    runtime.exit(containerOf(b!.id)!, 0);
    await settle();
    expect((await read(timed.id)).status).toBe('running');

    await clock.advance(4_000);
    expect(runtime.stops).toEqual([]);
    await clock.advance(1_000);
    expect(runtime.stops).toEqual([containerOf(timed.id)]);
    expect((await read(timed.id))).toMatchObject({ status: 'exited', reason: 'timed_out' });
    await lifecycle.close();
  });
});
