// Issue 8: IO weight really applies under BFQ, and is reported as not enforced otherwise. Switches the
// disk of Docker's data root to bfq only for the measurement, restoring the old scheduler after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disksFor } from '../../../server/adapters/docker/block-device.js';
import { createDockerRuntime } from '../../../server/adapters/docker/index.js';
import type { JobRuntime } from '../../../server/core/ports.js';
import { measureIoWeight, median, removeTagged, silentLogger, testDocker, testJob, testRunTag, withScheduler, type IoWeightRound } from '../../support/docker.js';

const docker = testDocker();
const tag = testRunTag('iow');
let runtime: JobRuntime;
let disk: string;

beforeAll(async () => {
  const info = (await docker.info()) as { DockerRootDir: string };
  const disks = await disksFor(info.DockerRootDir, { sysBlockRoot: '/sys/block' });
  expect(disks, `the disk under ${info.DockerRootDir}`).toHaveLength(1);
  disk = disks![0]!;
  runtime = createDockerRuntime({ docker, logger: silentLogger }, { instance: tag });
});
afterAll(async () => removeTagged(docker, tag));

describe('IO weight', () => {
  it('with bfq, the job with weight 1000 finishes its direct-IO write clearly before the one with 100', async () => {
    let rounds: IoWeightRound[] = [];
    let hostEnforced = false;
    // low_latency off: BFQ otherwise boosts every queue that just started IO, for its first seconds.
    await withScheduler(
      disk,
      'bfq',
      async () => {
        hostEnforced = (await runtime.info()).enforcement.ioWeight;
        rounds = await measureIoWeight(runtime, docker, { rounds: 3, mb: 1024, tag, onDiscard: (why) => console.log(`io weight round discarded: ${why}`) });
      },
      { lowLatency: false },
    );
    const summary = rounds.map((r) => `${r.heavy.seconds.toFixed(2)} s vs ${r.light.seconds.toFixed(2)} s (x${r.ratio.toFixed(2)})`).join(', ');
    console.log(`io weight 1000 vs 100 on ${disk} with bfq: ${summary}; median ratio ${median(rounds.map((r) => r.ratio)).toFixed(2)}`);
    expect(hostEnforced).toBe(true);
    for (const r of rounds) expect([r.heavy.enforced, r.light.enforced]).toEqual([true, true]);
    expect(rounds.filter((r) => r.ratio > 1).length).toBeGreaterThanOrEqual(2);
    expect(median(rounds.map((r) => r.ratio))).toBeGreaterThanOrEqual(1.25);
  });

  it('with bfq, jobs that write from their first instruction have their weights from the first write: 1000 finishes clearly before 100', async () => {
    let rounds: IoWeightRound[] = [];
    await withScheduler(
      disk,
      'bfq',
      async () => {
        rounds = await measureIoWeight(runtime, docker, { rounds: 3, mb: 1024, tag, atOnce: true, onDiscard: (why) => console.log(`io weight round discarded: ${why}`) });
      },
      { lowLatency: false },
    );
    const summary = rounds.map((r) => `${r.heavy.seconds.toFixed(2)} s vs ${r.light.seconds.toFixed(2)} s, light ahead by ${(r.heavy.began - r.light.began).toFixed(2)} s (x${r.ratio.toFixed(2)})`).join(', ');
    console.log(`io weight at once, 1000 vs 100 on ${disk} with bfq: ${summary}; median ratio ${median(rounds.map((r) => r.ratio)).toFixed(2)}`);
    for (const r of rounds) expect([r.heavy.enforced, r.light.enforced]).toEqual([true, true]);
    // The heavy writer ends first, though it never began ahead by more than 50 ms.
    expect(rounds.filter((r) => r.heavy.began + r.heavy.seconds < r.light.began + r.light.seconds).length).toBeGreaterThanOrEqual(2);
    expect(median(rounds.map((r) => r.ratio))).toBeGreaterThanOrEqual(1.25);
  });

  it('with mq-deadline, the job reports IO weight not enforced and names the scheduler', async () => {
    await withScheduler(disk, 'mq-deadline', async () => {
      const job = testJob({ cmd: 'sleep 5', network: 'none' }, tag);
      const id = await runtime.create(job);
      const { enforced } = await runtime.start(id, job);
      await runtime.remove(id);
      expect(enforced.ioWeight).toBe(false);
      expect(enforced.note).toContain(`disk ${disk} uses mq-deadline; IO weights need the bfq scheduler (echo bfq > /sys/block/${disk}/queue/scheduler)`);
      const info = await runtime.info();
      expect(info.enforcement.ioWeight).toBe(false);
      expect(info.enforcement.note).toContain(`disk ${disk} uses mq-deadline`);
    });
  });
});
