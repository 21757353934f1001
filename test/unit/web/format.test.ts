import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpus, formatDuration, formatMemoryMb, formatTime, limitWarnings, runTimeMs, statusView } from '../../../web/format.js';
import { sampleJob } from './sample-job.js';

describe('web format', () => {
  it('durations use at most two units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45_900)).toBe('45s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe('2h 07m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe('3d 04h');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('0s');
  });

  it('byte sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(20 * 1024)).toBe('20 KB');
    expect(formatMemoryMb(256)).toBe('256 MB');
    expect(formatMemoryMb(4096)).toBe('4.0 GB');
    expect(formatBytes(-1)).toBe('-');
  });

  it('cpus and times', () => {
    expect(formatCpus(0.5)).toBe('0.5');
    expect(formatCpus(2)).toBe('2');
    expect(formatCpus(1.255)).toBe('1.25');
    expect(formatTime('2025-11-26T16:01:02.345Z')).toBe('2025-11-26 16:01:02 UTC');
    expect(formatTime(null)).toBe('-');
  });

  it('run time: running against now, finished against finishedAt, none before start', () => {
    const now = new Date('2025-11-26T16:01:13.000Z');
    expect(runTimeMs(sampleJob(), now)).toBe(10_000);
    expect(runTimeMs(sampleJob({ finishedAt: '2025-11-26T16:01:05.000Z' }), now)).toBe(2000);
    expect(runTimeMs(sampleJob({ startedAt: null }), now)).toBeNull();
  });

  it('status labels always carry text, with the reason in words', () => {
    expect(statusView(sampleJob())).toEqual({ label: 'running', detail: '', tone: 'run' });
    expect(statusView(sampleJob({ status: 'pending', progress: 'pulling image 45%' }))).toEqual({ label: 'pending', detail: 'pulling image 45%', tone: 'wait' });
    expect(statusView(sampleJob({ status: 'running', progress: 'stopping' }))).toEqual({ label: 'stopping', detail: '', tone: 'wait' });
    expect(statusView(sampleJob({ status: 'exited', reason: 'completed', exitCode: 0 }))).toMatchObject({ label: 'exited', detail: 'completed', tone: 'ok' });
    expect(statusView(sampleJob({ status: 'exited', reason: 'oom_killed', exitCode: 137 }))).toMatchObject({ detail: 'out of memory', tone: 'bad' });
    expect(statusView(sampleJob({ status: 'exited', reason: 'stopped' }))).toMatchObject({ tone: 'warn' });
    expect(statusView(sampleJob({ status: 'error', reason: 'image nope: not found' }))).toMatchObject({ label: 'error', detail: 'image nope: not found', tone: 'bad' });
  });

  it('lists the limits that are not enforced, with the server note', () => {
    expect(limitWarnings(sampleJob())).toEqual([{ limit: 'IO weight', note: 'blkio weight needs BFQ' }]);
    expect(limitWarnings(sampleJob({ enforced: null }))).toEqual([]);
    expect(limitWarnings(sampleJob({ enforced: { cpus: false, memory: true, ioWeight: true, pids: true } }))).toEqual([{ limit: 'CPUs', note: 'not verified in the container' }]);
  });
});
