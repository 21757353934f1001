import { describe, expect, it } from 'vitest';
import { createFrameParser, splitTimestamp, timedChunks, type Frame } from '../../../server/adapters/docker/output.js';
import { createChunkShaper } from '../../../server/adapters/logs/chunk-shaper.js';

function frame(type: number, payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

describe('createFrameParser', () => {
  it('demultiplexes frames in order with their streams, whatever the read boundaries', () => {
    const wire = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, Buffer.from([0xff, 0x00, 0xfe])), frame(2, 'e2')]);
    for (let step = 1; step <= wire.length; step++) {
      const parser = createFrameParser();
      const frames = [];
      for (let i = 0; i < wire.length; i += step) frames.push(...parser.push(wire.subarray(i, i + step)));
      expect(frames.map((f) => [f.stream, f.payload.toString('hex')])).toEqual([
        ['stdout', Buffer.from('out1\n').toString('hex')],
        ['stderr', Buffer.from('err1\n').toString('hex')],
        ['stdout', 'ff00fe'],
        ['stderr', Buffer.from('e2').toString('hex')],
      ]);
      expect(parser.pendingBytes()).toBe(0);
    }
  });
});

describe('splitTimestamp', () => {
  it('parses the RFC3339Nano prefix Docker adds and keeps the bytes after it', () => {
    const { time, data } = splitTimestamp(Buffer.from('2026-11-26T16:07:46.827058626Z hello \xff', 'latin1'));
    expect(time?.toISOString()).toBe('2026-11-26T16:07:46.827Z');
    expect(data.toString('latin1')).toBe('hello \xff');
  });
  it('leaves a payload without a prefix alone', () => {
    const { time, data } = splitTimestamp(Buffer.from('no timestamp here'));
    expect(time).toBeNull();
    expect(data.toString()).toBe('no timestamp here');
  });
});

describe('timedChunks', () => {
  const f = (stream: Frame['stream'], text: string): Frame => ({ stream, payload: Buffer.from(text, 'latin1') });
  it('joins neighbouring frames of one stream stamped in the same millisecond, and keeps every byte in order', () => {
    const received = new Date('2030-01-01T00:00:00Z');
    const chunks = timedChunks(
      [
        f('stdout', '2026-11-26T16:07:46.827058626Z 1\n'),
        f('stdout', '2026-11-26T16:07:46.827999999Z 2\n'),
        f('stderr', '2026-11-26T16:07:46.827999999Z e\n'),
        f('stdout', '2026-11-26T16:07:46.827999999Z 3 \xff\n'),
        f('stdout', '2026-11-26T16:07:46.828000001Z 4\n'),
        f('stdout', '2026-11-26T16:07:46.828000002Z '),
        f('stdout', 'no stamp\n'),
      ],
      received,
    );
    expect(chunks.map((c) => [c.stream, c.data.toString('latin1'), c.time.toISOString()])).toEqual([
      ['stdout', '1\n2\n', '2026-11-26T16:07:46.827Z'],
      ['stderr', 'e\n', '2026-11-26T16:07:46.827Z'],
      ['stdout', '3 \xff\n', '2026-11-26T16:07:46.827Z'],
      ['stdout', '4\n', '2026-11-26T16:07:46.828Z'],
      ['stdout', 'no stamp\n', received.toISOString()],
    ]);
  });
});

describe('createChunkShaper', () => {
  it('skips stored bytes per stream and holds a split character until its stream continues', () => {
    const shaper = createChunkShaper({ stdout: 3, stderr: 1 });
    const euro = Buffer.from('€');
    expect(shaper.take('stdout', Buffer.from('abcd')).toString()).toBe('d');
    expect(shaper.take('stderr', Buffer.from('xy')).toString()).toBe('y');
    expect(shaper.take('stdout', Buffer.concat([Buffer.from('e'), euro.subarray(0, 1)])).toString()).toBe('e');
    expect(shaper.take('stderr', Buffer.from('z')).toString()).toBe('z');
    expect(shaper.take('stdout', euro.subarray(1)).toString()).toBe('€');
    expect(shaper.take('stdout', euro.subarray(0, 2)).length).toBe(0);
    expect(shaper.rest('stdout')).toEqual(euro.subarray(0, 2));
  });
});
