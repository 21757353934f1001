import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeStats, type DockerStatsSample } from '../../../server/adapters/docker/stats.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as DockerStatsSample;
const at = new Date('2026-11-26T16:00:00Z');

describe('computeStats', () => {
  it('cgroup v1 (recorded here: a busy loop under --cpus 0.5)', () => {
    const s = computeStats(load('stats-v1.json'), 0.5, at);
    // (1987773366-1535363145)/(1297050000000-1295040000000)*2*100
    expect(s.cpuPercent).toBeCloseTo(45.02, 1);
    expect(s.cpuPercentOfLimit).toBeCloseTo(90.04, 1);
    expect(s.memoryBytes).toBe(339968); // total_inactive_file is 0
    expect(s.memoryLimitBytes).toBe(67108864);
    expect(s.pids).toBe(1);
    expect(s.blkioReadBytes).toBe(4096);
    expect(s.blkioWriteBytes).toBe(20971520); // Sync/Async/Total rows are not counted again
    expect(s.at).toBe(at.toISOString());
  });

  it('cgroup v2 shape: usage minus inactive_file, lower-case ops over two devices', () => {
    const s = computeStats(load('stats-v2.json'), 2, at);
    expect(s.cpuPercent).toBeCloseTo(50, 5); // 0.5e9 / 2e9 * 2 * 100
    expect(s.cpuPercentOfLimit).toBeCloseTo(25, 5);
    expect(s.memoryBytes).toBe(52428800 - 16777216);
    expect(s.pids).toBe(3);
    expect(s.blkioReadBytes).toBe(1048576);
    expect(s.blkioWriteBytes).toBe(209715200 + 4096);
  });

  it('a first sample without precpu reads 0%, not NaN', () => {
    const s = computeStats({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10 }, precpu_stats: {} }, 1, at);
    expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(computeStats({}, 1, at)).toMatchObject({ cpuPercent: 0, memoryBytes: 0, pids: 0, blkioReadBytes: 0 });
  });
});
