// job.stop answers at once with the job stopping, job.kill ends it now: their orderings and races,
// forced with in-memory ports (a slow stop is held open; real Docker is in test/integration).
import { describe, expect, it } from 'vitest';
import { deferred, settle } from '../../support/fake-ports.js';
import { setupLifecycle as setup } from '../../support/lifecycle.js';

describe('stop and kill (in-memory ports)', () => {
  it('stop answers before Docker\'s stop returns, with the job stopping, stored and announced; the final state follows', async () => {
    const { store, runtime, lifecycle, seen, runningJob } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const { job, containerId } = await runningJob();
    runtime.holdStop = deferred();

    const answer = await lifecycle.stop(job, 10);

    expect(answer).toMatchObject({ status: 'running', progress: 'stopping' });
    expect(store.peek(job.id)).toMatchObject({ status: 'running', progress: 'stopping' });
    expect(seen.at(-1)).toMatchObject({ id: job.id, status: 'running', progress: 'stopping' });
    expect(runtime.stops).toEqual([containerId]);

    runtime.holdStop.resolve();
    await settle();
    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 143, progress: null });
    expect(seen.map((j) => [j.status, j.progress])).toEqual([
      ['running', 'stopping'],
      ['exited', null],
    ]);
    await lifecycle.close();
  });

  it('a second stop of a stopping job answers it and starts no second stop', async () => {
    const { runtime, lifecycle, runningJob } = setup();
    const { job, containerId } = await runningJob();
    runtime.holdStop = deferred();

    await lifecycle.stop(job, 10);
    expect(await lifecycle.stop(job, 10)).toMatchObject({ status: 'running', progress: 'stopping' });
    await settle();

    expect(runtime.stops).toEqual([containerId]);
    runtime.holdStop.resolve();
    await lifecycle.close();
  });

  it('a kill during a slow stop ends the job at once: exited/stopped, 137, not failed', async () => {
    const { store, runtime, lifecycle, runningJob } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const { job, containerId } = await runningJob();
    runtime.holdStop = deferred(); // the command ignores SIGTERM

    await lifecycle.stop(job, 10);
    await settle();
    expect(store.peek(job.id)?.status).toBe('running');

    const killed = await lifecycle.kill(job);
    expect(killed).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 137 });
    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 137 });
    expect(runtime.kills).toEqual([containerId]);
    runtime.holdStop.resolve();
    await lifecycle.close();
  });

  it('a kill of a running job shows it stopping first, then exited/stopped with 137', async () => {
    const { runtime, lifecycle, seen, runningJob } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const { job } = await runningJob();

    await lifecycle.kill(job);
    await settle();

    expect(seen.map((j) => [j.status, j.progress, j.reason, j.exitCode])).toEqual([
      ['running', 'stopping', null, null],
      ['exited', null, 'stopped', 137],
    ]);
    await lifecycle.close();
  });

  it('stop and kill of a finished job change nothing and call Docker for nothing', async () => {
    const { store, runtime, lifecycle, seen, runningJob } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const { job, containerId } = await runningJob();
    runtime.exit(containerId, 0);
    await settle();
    const done = store.peek(job.id)!;
    expect(done).toMatchObject({ status: 'exited', reason: 'completed' });
    const updates = seen.length;

    expect(await lifecycle.stop(done, 10)).toEqual(done);
    expect(await lifecycle.kill(done)).toEqual(done);
    // A caller holding the job from before it ended: the stored (final) job is the answer.
    expect(await lifecycle.stop(job, 10)).toEqual(done);
    expect(await lifecycle.kill(job)).toEqual(done);

    expect(runtime.stops).toEqual([]);
    expect(runtime.kills).toEqual([]);
    expect(seen.length).toBe(updates);
    expect(store.peek(job.id)).toEqual(done);
    await lifecycle.close();
  });

  it('a kill during the pull ends the job exited/stopped at once and never creates a container', async () => {
    const { store, runtime, lifecycle, spec } = setup();
    runtime.holdPull = deferred();
    const job = await store.insert(spec());
    void lifecycle.schedule();
    await settle();

    expect(await lifecycle.kill(job)).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    runtime.holdPull.resolve();
    await settle();

    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', containerId: null });
    expect(runtime.created).toEqual([]);
    expect(runtime.kills).toEqual([]);
    await lifecycle.close();
  });

  it('a stop between create and start removes the container instead of starting it', async () => {
    const { store, runtime, lifecycle, spec } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    // Hold the launch inside create: the stop arrives while the launcher has the job's queue.
    const created = deferred();
    const create = runtime.create.bind(runtime);
    runtime.create = async (j) => {
      await created.promise;
      return create(j);
    };
    const job = await store.insert(spec());
    void lifecycle.schedule();
    await settle();

    const answer = lifecycle.stop(job, 10);
    await settle();
    created.resolve();

    expect(await answer).toMatchObject({ status: 'exited', reason: 'stopped' });
    expect(runtime.created).toHaveLength(1);
    expect(runtime.containers.size).toBe(0);
    expect(runtime.stops).toEqual([]);
    await lifecycle.close();
  });

  it('a die event that arrives while the stop stores "stopping" ends the job after it, as stopped', async () => {
    const { store, runtime, lifecycle, seen, runningJob } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const { job, containerId } = await runningJob();
    // The command exits on its own with 143 while the stop is storing its state.
    const update = store.update.bind(store);
    store.update = async (id, patch, when) => {
      if (patch.progress === 'stopping') runtime.exit(containerId, 143);
      return update(id, patch, when);
    };

    expect(await lifecycle.stop(job, 10)).toMatchObject({ status: 'running', progress: 'stopping' });
    await settle();

    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 143 });
    expect(seen.map((j) => j.status)).toEqual(['running', 'exited']);
    await lifecycle.close();
  });

  it('a stop that fails in Docker stops showing "stopping", and a later stop tries again', async () => {
    const { store, runtime, lifecycle, seen, runningJob } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const { job, containerId } = await runningJob();
    runtime.holdStop = deferred();

    await lifecycle.stop(job, 10);
    runtime.holdStop.reject(new Error('Docker went away'));
    await settle();
    expect(store.peek(job.id)).toMatchObject({ status: 'running', progress: null });
    expect(seen.at(-1)).toMatchObject({ status: 'running', progress: null });

    runtime.holdStop = null;
    await lifecycle.stop(job, 10);
    await settle();
    expect(runtime.stops).toEqual([containerId, containerId]);
    expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped' });
    await lifecycle.close();
  });

  it('a stop or kill during a timeout\'s slow stop answers at once, and the job still ends timed_out', async () => {
    const { clock, store, runtime, lifecycle, spec } = setup();
    runtime.events((e) => lifecycle.handleEvent(e));
    const job = await store.insert(spec({ timeoutSeconds: 5 }));
    void lifecycle.schedule();
    await settle();
    runtime.holdStop = deferred(); // the command ignores SIGTERM
    await clock.advance(5000);
    expect(runtime.stops).toHaveLength(1);

    expect(await lifecycle.stop(job, 10)).toMatchObject({ status: 'running', progress: 'stopping' });
    expect(await lifecycle.kill(job)).toMatchObject({ status: 'exited', reason: 'timed_out', exitCode: 137 });
    runtime.holdStop.resolve();
    await lifecycle.close();
  });

  describe('a server restarted mid-stop (the stored "stopping" is all that is left)', () => {
    it('the start-up reconcile stops the job again, and it ends stopped', async () => {
      const { store, runtime, lifecycle, runningJob } = setup({ timeoutGraceSeconds: 2 });
      runtime.events((e) => lifecycle.handleEvent(e));
      const { job, containerId } = await runningJob({ progress: 'stopping' });

      await lifecycle.reconcile();
      await settle();

      expect(runtime.stops).toEqual([containerId]);
      expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 143 });
      await lifecycle.close();
    });

    it('an exit that happened meanwhile reads stopped, not failed', async () => {
      const { store, runtime, lifecycle, runningJob } = setup();
      const { job, containerId } = await runningJob({ progress: 'stopping' });
      Object.assign(runtime.containers.get(containerId)!, { running: false, status: 'exited', exitCode: 137 });

      await lifecycle.reconcile();
      await settle();

      expect(store.peek(job.id)).toMatchObject({ status: 'exited', reason: 'stopped', exitCode: 137, progress: null });
      expect(runtime.stops).toEqual([]);
      await lifecycle.close();
    });
  });
});
