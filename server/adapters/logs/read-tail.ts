// job.logs: the last N bytes of a job's log, read from the end of the files (the cost depends on N
// and on how finely the two streams interleave, not on the size of the log).
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { LogStream } from '../../protocol/index.js';
import type { LogTail } from '../../core/ports.js';
import { RECORD_SIZE, recordEnd, type IndexRecord } from './index-record.js';
import { readBytes, readRecords, type LogPaths } from './log-files.js';
import { shapeTail, type ByteChunk } from './tail-cut.js';

const BLOCK_RECORDS = 512;
/** Read the whole span in one go when it is at most this large, else record by record. */
const SPAN_READ_MAX = 4 * 1024 * 1024;

const empty: LogTail = { text: '', chunks: [], size: 0, truncated: false };

export async function readTail(paths: LogPaths, tailBytes: number, stream: 'all' | LogStream, timestamps = false): Promise<LogTail> {
  // Few sequential file operations: each one is a thread-pool round trip, which is what a busy
  // host makes slow (not the bytes read).
  // Opening and sizing both files in one round; closing is not waited for.
  const [index, data, indexSize, dataSize] = await Promise.all([
    openOrNull(paths.index),
    openOrNull(paths.data),
    sizeOrZero(paths.index),
    sizeOrZero(paths.data),
  ]);
  try {
    if (!index || !data) return empty;
    const want = tailBytes + 1; // one byte more, to know whether the cut falls at a line start
    const { records, reachedStart, end } = await collectBackwards(index, Math.floor(indexSize / RECORD_SIZE), dataSize, want, stream);
    if (end === 0) return empty;
    const chunks = await readChunks(data, records, want, end, stream === 'all');
    return shapeTail(chunks, tailBytes, reachedStart, end, timestamps);
  } finally {
    void Promise.allSettled([index?.close(), data?.close()]);
  }
}

async function sizeOrZero(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function openOrNull(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const selected = (r: IndexRecord, stream: 'all' | LogStream): boolean => stream === 'all' || r.stream === stream || r.marker;

/** Records of `stream` (in log order) that hold at least the last `want` bytes of it, and the end of
 * the log: records past the data file's size (a write torn by a crash) are not part of it. */
async function collectBackwards(
  index: FileHandle,
  count: number,
  dataSize: number,
  want: number,
  stream: 'all' | LogStream,
): Promise<{ records: IndexRecord[]; reachedStart: boolean; end: number }> {
  const picked: IndexRecord[] = [];
  let have = 0;
  let next = count;
  let end = -1;
  while (next > 0 && have < want) {
    const from = Math.max(0, next - BLOCK_RECORDS);
    const block = await readRecords(index, from, next - from);
    next = from;
    for (let i = block.length - 1; i >= 0 && have < want; i--) {
      const r = block[i]!;
      if (end < 0) {
        if (recordEnd(r) > dataSize) continue;
        end = recordEnd(r);
      }
      if (!selected(r, stream)) continue;
      picked.push(r);
      have += r.length;
    }
  }
  picked.reverse();
  // With fewer bytes than wanted, every byte of the stream is here: the tail starts at its start.
  return { records: picked, reachedStart: have < want, end: Math.max(0, end) };
}

async function readChunks(data: FileHandle, records: IndexRecord[], want: number, end: number, contiguous: boolean): Promise<ByteChunk[]> {
  if (records.length === 0) return [];
  const total = records.reduce((n, r) => n + r.length, 0);
  const skipFirst = Math.max(0, total - want); // bytes of the first record that are not wanted
  const first = records[0]!;
  const spanStart = first.offset + skipFirst;
  const span = end - spanStart;
  const chunks: ByteChunk[] = [];
  if (contiguous || span <= SPAN_READ_MAX) {
    const buf = await readBytes(data, spanStart, span);
    for (const r of records) {
      const from = Math.max(r.offset, spanStart) - spanStart;
      chunks.push({ stream: r.stream, data: buf.subarray(from, recordEnd(r) - spanStart), timeMs: r.timeMs });
    }
    return chunks;
  }
  for (const [i, r] of records.entries()) {
    const from = i === 0 ? spanStart : r.offset;
    chunks.push({ stream: r.stream, data: await readBytes(data, from, recordEnd(r) - from), timeMs: r.timeMs });
  }
  return chunks;
}
