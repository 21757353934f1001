// The index file of a job log: fixed-size little-endian records, one per stored run of bytes of one
// stream, in log order. The data file holds the bytes themselves; a record says where they are.
//
//   0  offset        u48  where the run starts in the data file (= in the combined output)
//   6  length        u32
//  10  flags         u8   bit 0: stderr; bit 1: cjm's truncation marker (not the job's output)
//  11  (zero)        u8
//  12  timeMs        u48  when Docker produced (logs) or cjm received (attach) the first byte
//  18  dockerStdout  u48  bytes of stdout (stderr) through this record: what a resume skips in
//  24  dockerStderr  u48  Docker's copy, which replays each stream byte for byte (its `local` driver)
//  30  (zero)        u16
import type { LogStream } from '../../protocol/index.js';

export const RECORD_SIZE = 32;

export interface IndexRecord {
  offset: number;
  length: number;
  stream: LogStream;
  marker: boolean;
  timeMs: number;
  dockerStdout: number;
  dockerStderr: number;
}

export function encodeRecord(record: IndexRecord, buf: Buffer, at: number): void {
  buf.fill(0, at, at + RECORD_SIZE);
  buf.writeUIntLE(record.offset, at, 6);
  buf.writeUInt32LE(record.length, at + 6);
  buf[at + 10] = (record.stream === 'stderr' ? 1 : 0) | (record.marker ? 2 : 0);
  buf.writeUIntLE(Math.max(0, Math.floor(record.timeMs)), at + 12, 6);
  buf.writeUIntLE(record.dockerStdout, at + 18, 6);
  buf.writeUIntLE(record.dockerStderr, at + 24, 6);
}

export function encodeRecords(records: readonly IndexRecord[]): Buffer {
  const buf = Buffer.allocUnsafe(records.length * RECORD_SIZE);
  records.forEach((r, i) => encodeRecord(r, buf, i * RECORD_SIZE));
  return buf;
}

export function decodeRecord(buf: Buffer, at: number): IndexRecord {
  const flags = buf[at + 10]!;
  return {
    offset: buf.readUIntLE(at, 6),
    length: buf.readUInt32LE(at + 6),
    stream: flags & 1 ? 'stderr' : 'stdout',
    marker: (flags & 2) !== 0,
    timeMs: buf.readUIntLE(at + 12, 6),
    dockerStdout: buf.readUIntLE(at + 18, 6),
    dockerStderr: buf.readUIntLE(at + 24, 6),
  };
}

export function decodeRecords(buf: Buffer): IndexRecord[] {
  const out: IndexRecord[] = [];
  for (let at = 0; at + RECORD_SIZE <= buf.length; at += RECORD_SIZE) out.push(decodeRecord(buf, at));
  return out;
}

export const recordEnd = (r: IndexRecord): number => r.offset + r.length;
