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

  it('keeps each sampled job\'s ring, CPU as percent of its limit, so the chart is there on return; rings are bounded in number', async () => {
    let n = 0;
    const conn = createStubConnection({ 'job.stats': () => sample(++n) });
    await conn.start();
    const jobs = [1, 2, 3].map((id) => makeJob({ id }));
    let target = jobs[0]!;
    sampler = createStatsSampler(conn, { intervalMs: 60_000, history: 10, jobs: 2, target: () => target, onChange: () => {} });
    const take = async (job: (typeof jobs)[number]) => {
      target = job;
      const before = n;
      sampler?.restart();
      await waitFor('a sample', async () => n > before && sampler?.viewFor(job)?.latest?.cpuPercent === n, 2000);
    };
    await take(jobs[0]!);
    await take(jobs[0]!);
    await take(jobs[1]!);
    await take(jobs[0]!);
    // Job 1's three samples (1, 2 and 4), each CPU figure the percent of its limit.
    expect(sampler.viewFor(jobs[0])?.cpu).toEqual([2, 4, 8]);
    expect(sampler.viewFor(jobs[0])?.memory).toEqual([1000, 2000, 4000]);
    expect(sampler.viewFor(jobs[1])?.cpu).toEqual([6]);
    // A third job pushes out the least recently sampled (job 2).
    await take(jobs[2]!);
    expect(sampler.viewFor(jobs[1])).toBeUndefined();
    expect(sampler.viewFor(jobs[0])?.cpu).toHaveLength(3);
  });
});
