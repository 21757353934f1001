import { describe, expect, it } from 'vitest';
import { fit, formatBytes, formatCpus, formatDuration, hostUse, hostUseLabel, limitsLines, sparkline, statusLabel, timeLabel, wrap } from '../../../tui/format.js';
import { makeJob } from '../../support/job.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45_000, '45s'],
    [185_000, '3m05s'],
    [2 * 3600_000 + 7 * 60_000, '2h07m'],
    [3 * 86400_000 + 4 * 3600_000, '3d04h'],
    [-5, '0s'],
    [NaN, '0s'],
  ])('%d ms -> %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [128 * 1024 * 1024, '128 MiB'],
    [3.5 * 1024 ** 3, '3.5 GiB'],
    [-1, '-'],
  ])('%d -> %s', (n, text) => expect(formatBytes(n)).toBe(text));
});

describe('labels', () => {
  it('cpus drop trailing zeros', () => {
    expect(formatCpus(0.5)).toBe('0.5');
    expect(formatCpus(2)).toBe('2');
    expect(formatCpus(1.255)).toBe('1.25');
  });
  it('status carries the reason', () => {
    expect(statusLabel(makeJob({ status: 'running' }))).toBe('running');
    expect(statusLabel(makeJob({ status: 'exited', reason: 'oom_killed' }))).toBe('exited (oom_killed)');
    expect(statusLabel(makeJob({ status: 'pending', startedAt: null, progress: 'queued: position 2 of 15' }))).toBe('queued 2/15');
    expect(statusLabel(makeJob({ status: 'pending', startedAt: null, progress: 'pulling image 45%' }))).toBe('pending: pulling image 45%');
    expect(statusLabel(makeJob({ status: 'error', reason: 'image nope: not found' }))).toBe('error: image nope: not found');
    expect(statusLabel(makeJob({ status: 'pending', progress: 'pulling image 45%' }))).toBe('pending: pulling image 45%');
  });
  it('time: run time while running, ran time when done, age when pending', () => {
    const start = Date.parse('2026-01-01T00:00:01.000Z');
    expect(timeLabel(makeJob(), start + 65_000)).toBe('run 1m05s');
    expect(timeLabel(makeJob({ status: 'exited', finishedAt: '2026-01-01T00:00:11.000Z' }), start + 999_000)).toBe('ran 10s');
    expect(timeLabel(makeJob({ status: 'pending', startedAt: null }), Date.parse('2026-01-01T00:00:30.000Z'))).toBe('age 30s');
  });
  it('fit pads and cuts with an ellipsis', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 0)).toBe('');
  });
  it('sparkline scales to max and keeps the last width values', () => {
    expect(sparkline([0, 50, 100], 3, 100)).toBe('▁▅█');
    expect(sparkline([1, 2, 3, 4], 2, 4)).toHaveLength(2);
  });
  it('wrap breaks at spaces, cuts words longer than a line, keeps every character', () => {
    expect(wrap('image nope:1 not found in the registry', 12)).toEqual(['image nope:1', 'not found in', 'the registry']);
    expect(wrap('ab https://registry-1.docker.io/v2/ x', 10)).toEqual(['ab', 'https://re', 'gistry-1.d', 'ocker.io/v', '2/ x']);
    expect(wrap('', 10)).toEqual([]);
    expect(wrap('a  b\n c', 80)).toEqual(['a b c']);
  });
});

describe('limitsLines', () => {
  it('lists the limits, the timeout when set, and which limits are not enforced with the reason', () => {
    const note = 'disk vda uses mq-deadline; IO weights need the bfq scheduler';
    expect(limitsLines(makeJob({ cpus: 0.5, memoryMb: 64, ioWeight: 500, pidsLimit: 512, timeoutSeconds: 90, enforced: { cpus: true, memory: true, pids: true, ioWeight: false, note } }))).toEqual([
      'limits 0.5 CPU · 64 MiB · io 500 · pids 512 · timeout 1m30s',
      'not enforced: IO weight',
      note,
    ]);
    expect(limitsLines(makeJob({ timeoutSeconds: 0, enforced: { cpus: true, memory: true, pids: true, ioWeight: true } })).slice(1)).toEqual(['all limits enforced']);
    expect(limitsLines(makeJob({ enforced: null }))).toHaveLength(1);
  });
});

describe('hostUse', () => {
  const capacity = { cpus: 2, memoryMb: 4096 };
  const jobs = [
    makeJob({ status: 'running', cpus: 0.5, memoryMb: 256 }),
    makeJob({ status: 'pending', cpus: 1, memoryMb: 512 }),
    makeJob({ status: 'exited', cpus: 2, memoryMb: 4096 }),
    makeJob({ status: 'error', cpus: 2, memoryMb: 4096 }),
  ];

  it('without allocated from the server, sums the pending and running jobs', () => {
    const use = hostUse({ capacity }, jobs);
    expect(use).toEqual({ cpus: 1.5, memoryMb: 768, capacity });
    expect(hostUseLabel(use)).toBe('CPU 1.5/2 MEM 768 MiB/4.0 GiB');
  });

  it('takes the server\'s allocated when it is there', () => {
    expect(hostUseLabel(hostUse({ capacity, allocated: { cpus: 2, memoryMb: 1024 } }, jobs))).toBe('CPU 2/2 MEM 1.0 GiB/4.0 GiB');
  });
});
