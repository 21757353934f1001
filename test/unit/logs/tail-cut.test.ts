import { describe, expect, it } from 'vitest';
import { mergeAdjacent, shapeTail, tailStart, truncationMarker, type ByteChunk } from '../../../server/adapters/logs/tail-cut.js';

const out = (t: string): ByteChunk => ({ stream: 'stdout', data: Buffer.from(t) });
const err = (t: string): ByteChunk => ({ stream: 'stderr', data: Buffer.from(t) });

describe('tailStart', () => {
  it('starts at the next line when the cut falls inside a line', () => {
    const bytes = Buffer.from('line1\nline2\nline3\n');
    expect(tailStart(bytes, 10, false)).toBe(12); // "ine2\nline3\n" -> "line3\n"
  });
  it('keeps a cut that falls exactly at a line start', () => {
    const bytes = Buffer.from('line1\nline2\n');
    expect(tailStart(bytes, 6, false)).toBe(6);
  });
  it('keeps the partial line when there is no later line, but never starts inside a character', () => {
    const bytes = Buffer.from('aa€€€€'); // no newline
    const start = tailStart(bytes, 7, false);
    expect(bytes.subarray(start).toString('utf8')).toBe('€€');
  });
  it('shows everything when it fits and the bytes begin the log', () => {
    expect(tailStart(Buffer.from('ab\ncd'), 100, true)).toBe(0);
  });
  it('shows nothing for limit 0', () => {
    expect(tailStart(Buffer.from('abc'), 0, true)).toBe(3);
  });
});

describe('shapeTail', () => {
  it('keeps streams, merges neighbours, and reports size and truncation', () => {
    const chunks = [out('xx\n'), out('o1\n'), err('e1\n'), err('e2\n'), out('o2\n')];
    const tail = shapeTail(chunks, 12, false, 1000);
    expect(tail.text).toBe('o1\ne1\ne2\no2\n');
    expect(tail.chunks).toEqual([
      { stream: 'stdout', text: 'o1\n' },
      { stream: 'stderr', text: 'e1\ne2\n' },
      { stream: 'stdout', text: 'o2\n' },
    ]);
    expect(tail.size).toBe(1000);
    expect(tail.truncated).toBe(true);
  });
  it('shows invalid UTF-8 as U+FFFD', () => {
    const tail = shapeTail([{ stream: 'stdout', data: Buffer.from([0xff, 0xfe, 0x20, 0x6f, 0x6b, 0x0a]) }], 100, true, 6);
    expect(tail.text).toBe('\ufffd\ufffd ok\n');
    expect(tail.truncated).toBe(false);
  });
  it('mergeAdjacent drops empty chunks', () => {
    expect(mergeAdjacent([out(''), out('a'), out('b'), err('')])).toEqual([out('ab')]);
  });
});

describe('shapeTail with timestamps', () => {
  const at = (t: string, stream: 'stdout' | 'stderr', timeMs: number): ByteChunk => ({ stream, data: Buffer.from(t), timeMs });
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');

  it('gives each chunk the time of its first byte, splitting a stream where the time changes', () => {
    const tail = shapeTail([at('a\n', 'stdout', t0), at('b\n', 'stdout', t0), at('c\n', 'stdout', t0 + 1500), at('d\n', 'stderr', t0 + 1500)], 100, true, 8, true);
    expect(tail.chunks).toEqual([
      { stream: 'stdout', text: 'a\nb\n', at: '2026-01-01T00:00:00.000Z' },
      { stream: 'stdout', text: 'c\n', at: '2026-01-01T00:00:01.500Z' },
      { stream: 'stderr', text: 'd\n', at: '2026-01-01T00:00:01.500Z' },
    ]);
    expect(tail.text).toBe('a\nb\nc\nd\n');
  });

  it('keeps the time of a chunk whose start was cut off', () => {
    const tail = shapeTail([at('old\nnew\n', 'stdout', t0)], 4, false, 8, true);
    expect(tail.chunks).toEqual([{ stream: 'stdout', text: 'new\n', at: '2026-01-01T00:00:00.000Z' }]);
  });

  it('without timestamps, chunks have no at and join across times as before', () => {
    expect(shapeTail([at('a\n', 'stdout', t0), at('b\n', 'stdout', t0 + 9000)], 100, true, 4).chunks).toEqual([{ stream: 'stdout', text: 'a\nb\n' }]);
  });
});

describe('truncationMarker', () => {
  it('names the cap in readable units on its own line', () => {
    expect(truncationMarker(64 * 1024 * 1024).toString()).toBe('\n[cjm: log truncated at 64 MiB; further output dropped]\n');
    expect(truncationMarker(100 * 1024).toString()).toContain('100 KiB');
  });
});
