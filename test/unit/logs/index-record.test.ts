import { describe, expect, it } from 'vitest';
import { RECORD_SIZE, decodeRecords, encodeRecords, type IndexRecord } from '../../../server/adapters/logs/index-record.js';
import { coalesce, type StoredChunk } from '../../../server/adapters/logs/job-log.js';

describe('index records', () => {
  it('round-trip through the fixed-size encoding, with large offsets and times', () => {
    const records: IndexRecord[] = [
      { offset: 0, length: 10, stream: 'stdout', marker: false, timeMs: 1_764_000_000_123, dockerStdout: 10, dockerStderr: 0 },
      { offset: 2 ** 40, length: 2 ** 31, stream: 'stderr', marker: true, timeMs: 1, dockerStdout: 2 ** 45, dockerStderr: 7 },
    ];
    const buf = encodeRecords(records);
    expect(buf.length).toBe(2 * RECORD_SIZE);
    expect(decodeRecords(buf)).toEqual(records);
  });
  it('ignores a torn trailing record', () => {
    const buf = encodeRecords([{ offset: 0, length: 1, stream: 'stdout', marker: false, timeMs: 0, dockerStdout: 1, dockerStderr: 0 }]);
    expect(decodeRecords(Buffer.concat([buf, buf.subarray(0, 5)]))).toHaveLength(1);
  });
});

describe('coalesce', () => {
  const chunk = (offset: number, stream: 'stdout' | 'stderr', text: string, marker = false): StoredChunk => ({
    offset,
    stream,
    data: Buffer.from(text),
    timeMs: offset,
    marker,
    dockerStdout: 0,
    dockerStderr: 0,
  });
  it('joins neighbouring chunks of one stream and keeps stream changes and markers apart', () => {
    const records = coalesce([chunk(0, 'stdout', 'ab'), chunk(2, 'stdout', 'c'), chunk(3, 'stderr', 'x'), chunk(4, 'stdout', 'd'), chunk(5, 'stderr', 'M', true), chunk(6, 'stderr', 'y')]);
    expect(records.map((r) => [r.offset, r.length, r.stream, r.marker, r.timeMs])).toEqual([
      [0, 3, 'stdout', false, 0],
      [3, 1, 'stderr', false, 3],
      [4, 1, 'stdout', false, 4],
      [5, 1, 'stderr', true, 5],
      [6, 1, 'stderr', false, 6],
    ]);
  });
});
