// The lifecycle's races, forced in order with in-memory ports: against real Docker they happen only by
// chance. Each test fails when the code that handles its race is taken out.
import { describe, expect, it } from 'vitest';
import { deferred, settle } from '../../support/fake-ports.js';
import { retryIntervalMs, setupLifecycle as setup } from '../../support/lifecycle.js';

describe('lifecycle races (in-memory ports)', () => {
  it('a stop during the pull ends the job exited/stopped and never creates a container', async () => {
    const { store, runtime, lifecycle, spec } = setup();
    runtime.holdPull = deferred();
    const job = await store.insert(spec());
    void lifecycle.schedule();
    await settle();

    // It ends at once, without waiting for the pull.
    expect(await lifecycle.stop(job, 10)).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    runtime.holdPull.resolve();
    await settle();

    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    expect(runtime.created).toEqual([]);
    await lifecycle.close();
  });

  it('an event that reaches a job before the start-up reconcile resumes its capture before the exit is judged', async () => {
    const { trace, runtime, lifecycle, store, runningJob } = setup();
    const { job, containerId } = await runningJob();
    // The container ended while the server was down; the reconcile is slow to list containers.
    Object.assign(runtime.containers.get(containerId)!, { running: false, status: 'exited', exitCode: 0 });
    runtime.holdList = deferred();
    runtime.events((e) => lifecycle.handleEvent(e));
    const reconciling = lifecycle.reconcile();
    await settle();

    runtime.emit({ type: 'die', containerId, jobId: job.id, exitCode: 0 });
    await settle();

    expect(trace).toEqual([`capture ${job.id} ${containerId}`, `job ${job.id} exited`]);
    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    runtime.holdList.resolve();
    await reconciling;
    await lifecycle.close();
  });

  it('an exit that cannot be stored is tried again every retryIntervalMs until the database is back', async () => {
    const { clock, store, runtime, lifecycle, runningJob } = setup();
    const { job, containerId } = await runningJob();
    runtime.events((e) => lifecycle.handleEvent(e));
    await settle();

    store.failing = true;
    runtime.exit(containerId, 0);
    await settle();
    // Two calls refused: the exit's own read, and the queue's pass the freed room asked for.
    expect(store.refused).toBe(2);

    // Not before the interval, then once per interval (each of the two) while the database stays down.
    await clock.advance(retryIntervalMs - 1);
    expect(store.refused).toBe(2);
    await clock.advance(1);
    expect(store.refused).toBe(4);
    await clock.advance(retryIntervalMs);
    expect(store.refused).toBe(6);
    expect(store.peek(job.id)?.status).toBe('running');

    store.failing = false;
    await clock.advance(retryIntervalMs);
    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
    expect(store.refused).toBe(6);
    await lifecycle.close();
  });

  it('a job past its timeoutSeconds on the clock is stopped and ends timed_out', async () => {
    const { clock, store, runtime, lifecycle, spec } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const job = await store.insert(spec({ timeoutSeconds: 5 }));
    void lifecycle.schedule();
    await settle();
    expect(store.peek(job.id)?.status).toBe('running');

    await clock.advance(4999);
    expect(store.peek(job.id)?.status).toBe('running');
    await clock.advance(1);
    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'timed_out', exitCode: 143 });
    await lifecycle.close();
  });

  it('a kill (137) waits oomWaitMs on the clock for a late oom event before it counts as failed', async () => {
    const { clock, store, runtime, lifecycle, runningJob } = setup({ oomWaitMs: 1000 });
    runtime.events((e) => lifecycle.handleEvent(e));
    const late = await runningJob();
    const plain = await runningJob();

    runtime.exit(late.containerId, 137);
    runtime.exit(plain.containerId, 137);
    await clock.advance(300);
    expect(store.peek(late.job.id)?.status).toBe('running');
    runtime.emit({ type: 'oom', containerId: late.containerId, jobId: late.job.id });
    await settle();
    expect(store.peek(late.job.id)).toMatchObject({ status: 'exited', reason: 'oom_killed' });

    expect(store.peek(plain.job.id)?.status).toBe('running');
    await clock.advance(700);
    expect(store.peek(plain.job.id)).toMatchObject({ status: 'exited', reason: 'failed', exitCode: 137 });
    await lifecycle.close();
  });

  describe('a quick job whose die event comes before running is stored', () => {
    it('ends exited/completed when the event is delivered during start', async () => {
      const { store, runtime, lifecycle, seen, spec } = setup();
      runtime.events((e) => lifecycle.handleEvent(e));
      runtime.holdStart = deferred();
      const job = await store.insert(spec());
      void lifecycle.schedule();
      await settle();
      const [containerId] = runtime.created;
      runtime.exit(containerId!, 0);
      await settle();
      runtime.holdStart.resolve();
      await settle();

      expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
      expect(seen.at(-1)).toMatchObject({ status: 'exited', reason: 'completed' });
      await lifecycle.close();
    });

    it('ends exited/completed when the event is lost to an event-stream reconnect during start', async () => {
      const { store, runtime, lifecycle, seen, spec } = setup();
      runtime.events((e) => lifecycle.handleEvent(e));
      await settle();
      // The stream drops while the container starts and exits at once; its resync's reconcile skips
      // the job, which is still being launched.
      runtime.afterStart = (containerId) => {
        runtime.connected = false;
        runtime.exit(containerId, 0);
        runtime.connected = true;
        runtime.emit({ type: 'resync' });
        return {};
      };
      const job = await store.insert(spec());
      void lifecycle.schedule();
      await settle();

      expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'completed', exitCode: 0 });
      expect(seen.at(-1)).toMatchObject({ status: 'exited', reason: 'completed' });
      await lifecycle.close();
    });
  });
});
