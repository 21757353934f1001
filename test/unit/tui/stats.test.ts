import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError, type JobStats } from '../../../server/protocol/index.js';
import { createStatsSampler, type StatsSampler } from '../../../tui/stats.js';
import { makeJob } from '../../support/job.js';
import { waitFor } from '../../support/wait.js';
import { createStubConnection } from './stub-connection.js';

const sample = (cpuPercent: number): JobStats => ({ at: new Date().toISOString(), cpuPercent, cpuPercentOfLimit: cpuPercent * 2, memoryBytes: 1000 * cpuPercent, memoryLimitBytes: 1 << 20, pids: 1, blkioReadBytes: 0, blkioWriteBytes: 0 });

let sampler: StatsSampler | undefined;
afterEach(() => sampler?.dispose());

describe('stats sampler', () => {
  it('samples the target on restart and each interval, keeping a bounded history for it only', async () => {
    let n = 0;
    const conn = createStubConnection({ 'job.stats': () => sample(++n) });
    await conn.start();
    let target = makeJob({ id: 1 });
    sampler = createStatsSampler(conn, { intervalMs: 5, history: 3, target: () => target, onChange: () => {} });
    sampler.restart();
    await waitFor('five samples', async () => n >= 5, 2000);
    const view = sampler.viewFor(target);
    expect(view?.jobId).toBe(1);
    expect(view?.cpu.length).toBe(3);
    // Another job, or the same one finished, has no figures from it.
    expect(sampler.viewFor(makeJob({ id: 2 }))).toBeUndefined();
    expect(sampler.viewFor({ ...target, status: 'exited' })).toBeUndefined();
    target = makeJob({ id: 2 });
    sampler.restart();
    await waitFor('the new job sampled', async () => sampler?.viewFor(target)?.jobId === 2, 2000);
    expect(sampler.viewFor(target)?.cpu.length).toBeLessThanOrEqual(3);
  });

  it('asks nothing for a job that is not running', async () => {
    let calls = 0;
    let running = true;
    const conn = createStubConnection({
      'job.stats': () => {
        calls++;
        if (!running) throw new RpcError(ErrorCode.JobNotRunning);
        return sample(1);
      },
    });
    await conn.start();
    const job = makeJob({ id: 1 });
    sampler = createStatsSampler(conn, { intervalMs: 60_000, target: () => job, onChange: () => {} });
    sampler.restart();
    await waitFor('a sample', async () => sampler?.viewFor(job) !== undefined, 2000);
    running = false;
    sampler.restart();
    await waitFor('the refused call', async () => calls === 2, 2000);
    const idle = createStatsSampler(conn, { intervalMs: 60_000, target: () => makeJob({ status: 'exited' }), onChange: () => {} });
    idle.restart();
    idle.dispose();
    expect(calls).toBe(2);
  });
});
