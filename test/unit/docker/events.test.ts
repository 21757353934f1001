import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../../server/core/ports.js';
import { createSystemClock } from '../../../server/core/clock.js';
import { createLineSplitter, mapDockerEvent } from '../../../server/adapters/docker/event-map.js';
import { watchEvents, type EventSource } from '../../../server/adapters/docker/events.js';
import { silentLogger, waitFor } from '../../support/docker.js';

const ev = (Action: string, id: string, timeNano: bigint, attrs: Record<string, string> = {}) => ({
  Type: 'container',
  Action,
  Actor: { ID: id, Attributes: { 'cjm.managed': 'true', 'cjm.job-id': '7', ...attrs } },
  time: Number(timeNano / 1_000_000_000n),
});
/** Docker's line, with timeNano as the exact 19-digit number it sends. */
const line = (e: ReturnType<typeof ev>, timeNano: bigint) => `${JSON.stringify(e).slice(0, -1)},"timeNano":${timeNano}}\n`;

describe('docker event mapping', () => {
  it('maps start/die/oom/destroy with the job id from the label', () => {
    expect(mapDockerEvent(ev('start', 'c1', 1n))).toEqual({ type: 'start', containerId: 'c1', jobId: 7 });
    expect(mapDockerEvent(ev('die', 'c1', 1n, { exitCode: '137' }))).toEqual({ type: 'die', containerId: 'c1', jobId: 7, exitCode: 137 });
    expect(mapDockerEvent(ev('oom', 'c1', 1n))).toEqual({ type: 'oom', containerId: 'c1', jobId: 7 });
    expect(mapDockerEvent(ev('destroy', 'c1', 1n, { 'cjm.job-id': 'x' }))).toEqual({ type: 'destroy', containerId: 'c1', jobId: null });
    expect(mapDockerEvent(ev('exec_start: sh', 'c1', 1n))).toBeNull();
    expect(mapDockerEvent({ Type: 'network', Action: 'connect' })).toBeNull();
  });

  it('splits lines across chunks', () => {
    const lines: string[] = [];
    const push = createLineSplitter((l) => lines.push(l));
    push('{"a":');
    push('1}\n{"b"');
    push(':2}\n\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('event stream reconnection (a dockerd restart, simulated by ending the stream)', () => {
  it('emits resync on every connect, resumes with since, and drops replayed duplicates', async () => {
    const streams: PassThrough[] = [];
    const calls: { since?: string; filters: Record<string, string[]> }[] = [];
    let failNext = 0;
    const docker: EventSource = {
      async getEvents(options) {
        calls.push(options);
        if (failNext > 0) {
          failNext--;
          throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
        }
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
    };
    const got: RuntimeEvent[] = [];
    const watch = watchEvents(docker, (e) => got.push(e), { logger: silentLogger, clock: createSystemClock() }, { initialBackoffMs: 5, maxBackoffMs: 20 });
    await waitFor(async () => (got.length === 1 ? true : undefined));
    expect(got).toEqual([{ type: 'resync' }]);
    expect(calls[0]).toEqual({ filters: { type: ['container'], label: ['cjm.managed=true'] } });

    streams[0]!.write(line(ev('start', 'c1', 1_700_000_000_123_456_789n), 1_700_000_000_123_456_789n));
    streams[0]!.write(line(ev('die', 'c1', 1_700_000_001_000_000_001n, { exitCode: '0' }), 1_700_000_001_000_000_001n));
    await waitFor(async () => (got.length === 3 ? true : undefined));

    // dockerd goes away: the stream ends and the first reconnect is refused.
    failNext = 1;
    streams[0]!.end();
    await waitFor(async () => (streams.length === 2 && got.length === 4 ? true : undefined));
    expect(got[3]).toEqual({ type: 'resync' });
    expect(calls).toHaveLength(3);
    // From 2 s before the newest event seen: events Docker sent out of order are not lost.
    expect(calls[2]!.since).toBe('1699999999.000000001');

    // Docker replays from `since` inclusive: the start and the die again (dropped), then an oom that was missed.
    streams[1]!.write(line(ev('start', 'c1', 1_700_000_000_123_456_789n), 1_700_000_000_123_456_789n));
    streams[1]!.write(line(ev('die', 'c1', 1_700_000_001_000_000_001n, { exitCode: '0' }), 1_700_000_001_000_000_001n));
    streams[1]!.write(line(ev('oom', 'c2', 1_700_000_002_000_000_000n), 1_700_000_002_000_000_000n));
    await waitFor(async () => (got.length === 5 ? true : undefined));
    expect(got.slice(1)).toEqual([
      { type: 'start', containerId: 'c1', jobId: 7 },
      { type: 'die', containerId: 'c1', jobId: 7, exitCode: 0 },
      { type: 'resync' },
      { type: 'oom', containerId: 'c2', jobId: 7 },
    ]);

    watch.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(streams[1]!.destroyed).toBe(true);
    expect(calls).toHaveLength(3); // closed: no reconnect
  });
});

describe('events out of time order on a live stream', () => {
  // Seen in CI: four jobs OOM-killed together; one die came after a newer event of another container,
  // was dropped as a "replay", and its job stayed running.
  it('delivers an event older than one already delivered (Docker does not send in timeNano order)', async () => {
    const stream = new PassThrough();
    const got: RuntimeEvent[] = [];
    const watch = watchEvents({ getEvents: async () => stream }, (e) => got.push(e), { logger: silentLogger, clock: createSystemClock() });
    await waitFor(async () => (got.length === 1 ? true : undefined));
    stream.write(line(ev('die', 'c2', 1_700_000_000_000_000_500n, { exitCode: '137' }), 1_700_000_000_000_000_500n));
    stream.write(line(ev('die', 'c1', 1_700_000_000_000_000_100n, { exitCode: '137' }), 1_700_000_000_000_000_100n));
    stream.write(line(ev('die', 'c1', 1_700_000_000_000_000_100n, { exitCode: '137' }), 1_700_000_000_000_000_100n));
    await waitFor(async () => (got.length >= 3 ? true : undefined));
    await new Promise((r) => setTimeout(r, 20));
    expect(got.slice(1)).toEqual([
      { type: 'die', containerId: 'c2', jobId: 7, exitCode: 137 },
      { type: 'die', containerId: 'c1', jobId: 7, exitCode: 137 },
    ]);
    watch.close();
  });
});
