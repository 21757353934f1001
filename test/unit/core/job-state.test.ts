import { describe, expect, it } from 'vitest';
import { exitReasonOf, exitedPatch, isFinal, reconcilePatch, timeoutRemainingMs } from '../../../server/core/job-state.js';
import type { ContainerState } from '../../../server/core/ports.js';
import type { Job } from '../../../server/protocol/index.js';
import { makeJob } from '../../support/job.js';

const now = new Date('2026-01-01T00:00:10Z');
const state = (over: Partial<ContainerState>): ContainerState => ({
  running: false,
  status: 'exited',
  exitCode: 0,
  oomKilled: false,
  startedAt: new Date('2026-01-01T00:00:01Z'),
  finishedAt: new Date('2026-01-01T00:00:05Z'),
  error: null,
  ip: null,
  ...over,
});
const job = (over: Partial<Job>): Job =>
  makeJob({ cmd: 'true', cpus: 1, memoryMb: 64, owner: 'u', name: 'j', image: 'busybox', containerId: 'c1', createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:01.000Z', ...over });

describe('exit reasons', () => {
  it('exit 0 is completed, non-zero failed', () => {
    expect(exitReasonOf({ exitCode: 0, oomKilled: false })).toBe('completed');
    expect(exitReasonOf({ exitCode: 3, oomKilled: false })).toBe('failed');
  });
  it('a server stop or timeout wins over the exit code', () => {
    expect(exitReasonOf({ exitCode: 143, oomKilled: false }, 'stopped')).toBe('stopped');
    expect(exitReasonOf({ exitCode: 137, oomKilled: false }, 'timed_out')).toBe('timed_out');
  });
  it('OOM wins over everything', () => {
    expect(exitReasonOf({ exitCode: 137, oomKilled: true }, 'stopped')).toBe('oom_killed');
  });
});

describe('reconcilePatch', () => {
  it('a container the runtime holds for room (swarm) keeps the job pending, with the runtime\'s reason as progress', () => {
    const pending = job({ status: 'pending', startedAt: null, progress: 'starting' });
    const held = state({ status: 'pending', exitCode: null, startedAt: null, finishedAt: null, progress: 'no suitable node (insufficient resources on 2 nodes)' });
    expect(reconcilePatch(pending, held, now)).toEqual({ progress: 'no suitable node (insufficient resources on 2 nodes)' });
    expect(reconcilePatch({ ...pending, progress: held.progress! }, held, now)).toBeNull();
    expect(reconcilePatch(pending, { ...held, running: true, status: 'running', startedAt: now }, now)).toMatchObject({ status: 'running', progress: null });
    // What the runtime read back once it ran replaces the "not yet running" verdict start() gave.
    const readBack = { cpus: true, memory: false, pids: true, ioWeight: false, note: 'swap' };
    expect(reconcilePatch(pending, { ...held, running: true, status: 'running', startedAt: now, enforced: readBack }, now)).toMatchObject({ status: 'running', enforced: readBack });
  });
  it('a job the runtime rejected (swarm, after start returned) ends error with the runtime\'s reason, not failed', () => {
    const rejected = state({ status: 'rejected', exitCode: null, error: 'starting container failed: no such file' });
    expect(reconcilePatch(job({ status: 'pending', startedAt: null }), rejected, now)).toMatchObject({
      status: 'error',
      reason: 'the runtime rejected the task of image busybox: starting container failed: no such file',
    });
  });
  it('a running job whose container vanished is lost', () => {
    expect(reconcilePatch(job({}), null, now)).toMatchObject({ status: 'exited', reason: 'lost', finishedAt: now });
  });
  it('a container being removed behind cjm\'s back is lost, not failed', () => {
    expect(reconcilePatch(job({}), state({ status: 'removing', exitCode: 137 }), now)).toMatchObject({ status: 'exited', reason: 'lost' });
    expect(reconcilePatch(job({}), state({ status: 'removing', exitCode: 137 }), now, 'stopped')).toMatchObject({ reason: 'stopped' });
  });
  it('an exited container finishes the job with its exit code and time', () => {
    expect(reconcilePatch(job({}), state({ exitCode: 2 }), now)).toMatchObject({
      status: 'exited', reason: 'failed', exitCode: 2, finishedAt: new Date('2026-01-01T00:00:05Z'),
    });
  });
  it('a pending job whose container runs becomes running', () => {
    expect(reconcilePatch(job({ status: 'pending', startedAt: null }), state({ running: true, status: 'running' }), now)).toMatchObject({ status: 'running' });
  });
  it('final jobs never change, and a created container is left to the launcher', () => {
    expect(reconcilePatch(job({ status: 'exited' }), null, now)).toBeNull();
    expect(reconcilePatch(job({ status: 'error' }), state({}), now)).toBeNull();
    expect(reconcilePatch(job({ status: 'pending' }), state({ status: 'created' }), now)).toBeNull();
    expect(reconcilePatch(job({}), state({ running: true, status: 'running' }), now)).toBeNull();
  });
  it('a running job carries the address Docker reports now, and loses it when it ends', () => {
    const running = state({ running: true, status: 'running', ip: '172.17.0.4' });
    expect(reconcilePatch(job({ status: 'pending', startedAt: null }), running, now)).toMatchObject({ status: 'running', ip: '172.17.0.4' });
    expect(reconcilePatch(job({ ip: '172.17.0.4' }), running, now)).toBeNull();
    expect(reconcilePatch(job({ ip: null }), running, now)).toEqual({ ip: '172.17.0.4' });
    expect(reconcilePatch(job({ ip: '172.17.0.3' }), running, now)).toEqual({ ip: '172.17.0.4' });
    expect(reconcilePatch(job({ ip: '172.17.0.4' }), state({ exitCode: 0 }), now)).toMatchObject({ status: 'exited', ip: null });
    expect(reconcilePatch(job({ ip: '172.17.0.4' }), null, now)).toMatchObject({ reason: 'lost', ip: null });
  });
  it('a zero finish time from Docker falls back to now, and a missing start time is filled', () => {
    const p = exitedPatch(job({ startedAt: null }), state({ finishedAt: new Date(0) }), now);
    expect(p.finishedAt).toEqual(now);
    expect(p.startedAt).toEqual(new Date('2026-01-01T00:00:01Z'));
  });
});

describe('timeouts', () => {
  it('counts from the start time and never goes negative', () => {
    expect(timeoutRemainingMs(job({ timeoutSeconds: 20 }), now)).toBe(11_000);
    expect(timeoutRemainingMs(job({ timeoutSeconds: 2 }), now)).toBe(0);
    expect(timeoutRemainingMs(job({ timeoutSeconds: 0 }), now)).toBeNull();
  });
  it('final states are exited and error', () => {
    expect(['pending', 'running', 'exited', 'error'].map((s) => isFinal(s as Job['status']))).toEqual([false, false, true, true]);
  });
});
