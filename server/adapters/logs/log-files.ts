// The on-disk layout of one job's log, <dataDir>/jobs/<id>/:
//   data        the raw output bytes, stdout and stderr interleaved in order (append-only)
//   index       IndexRecord per run of one stream (append-only; see index-record.ts)
//   state.json  {"complete": true} once capture has ended for good
// A batch is appended to data first, then to index, so after a crash the index never points past
// the data; bytes in data beyond the last record are cut off on recovery and fetched again.
import { mkdir, open, rename, rm, stat, writeFile, readFile, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { RECORD_SIZE, decodeRecord, decodeRecords, recordEnd, type IndexRecord } from './index-record.js';

export interface LogPaths {
  dir: string;
  data: string;
  index: string;
  state: string;
}

/** The job id is an integer from the database; it is the only thing that goes into the path. */
export function logPaths(dataDir: string, jobId: number): LogPaths {
  if (!Number.isSafeInteger(jobId) || jobId < 0) throw new Error(`invalid job id for a log path: ${jobId}`);
  const dir = path.join(dataDir, 'jobs', String(jobId));
  return { dir, data: path.join(dir, 'data'), index: path.join(dir, 'index'), state: path.join(dir, 'state.json') };
}

/** What is stored, as far as the index vouches for it. */
export interface LogExtent {
  /** Number of valid index records. */
  records: number;
  /** Bytes of output stored (end of the last valid record). */
  end: number;
  last: IndexRecord | null;
  /** Time of the first record: Docker's log, if it still starts where ours does, is not later. */
  firstTimeMs: number | null;
  /** The last record is the truncation marker. */
  truncated: boolean;
  complete: boolean;
}

export const emptyExtent: LogExtent = { records: 0, end: 0, last: null, firstTimeMs: null, truncated: false, complete: false };

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

export async function isComplete(paths: LogPaths): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(paths.state, 'utf8')) as { complete?: unknown }).complete === true;
  } catch {
    return false;
  }
}

/** Reads the valid extent without changing anything (safe while a writer appends). */
export async function readExtent(paths: LogPaths): Promise<LogExtent> {
  const [indexSize, dataSize, complete] = await Promise.all([sizeOf(paths.index), sizeOf(paths.data), isComplete(paths)]);
  let records = Math.floor(indexSize / RECORD_SIZE);
  if (records === 0) return { ...emptyExtent, complete };
  const fh = await open(paths.index, 'r');
  try {
    const firstTimeMs = (await readRecords(fh, 0, 1))[0]?.timeMs ?? null;
    while (records > 0) {
      const last = (await readRecords(fh, records - 1, 1))[0]!;
      if (recordEnd(last) <= dataSize) return { records, end: recordEnd(last), last, firstTimeMs, truncated: last.marker, complete };
      records--;
    }
    return { ...emptyExtent, complete };
  } finally {
    await fh.close();
  }
}

/** Cuts torn tails left by a crash so appends continue from a consistent end. */
export async function repairFiles(paths: LogPaths, extent: Pick<LogExtent, 'records' | 'end'>): Promise<void> {
  const [indexSize, dataSize] = await Promise.all([sizeOf(paths.index), sizeOf(paths.data)]);
  if (indexSize > extent.records * RECORD_SIZE) await truncate(paths.index, extent.records * RECORD_SIZE);
  if (dataSize > extent.end) await truncate(paths.data, extent.end);
}

export async function readRecords(fh: FileHandle, from: number, count: number): Promise<IndexRecord[]> {
  if (count <= 0) return [];
  const buf = Buffer.allocUnsafe(count * RECORD_SIZE);
  const { bytesRead } = await fh.read(buf, 0, buf.length, from * RECORD_SIZE);
  return decodeRecords(buf.subarray(0, bytesRead - (bytesRead % RECORD_SIZE)));
}

/** Index of the first record that ends after `offset` (records = count of valid records). */
export async function findRecord(fh: FileHandle, records: number, offset: number): Promise<number> {
  let lo = 0;
  let hi = records;
  const one = Buffer.allocUnsafe(RECORD_SIZE);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    await fh.read(one, 0, RECORD_SIZE, mid * RECORD_SIZE);
    if (recordEnd(decodeRecord(one, 0)) > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export async function readBytes(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

export interface LogWriter {
  /** Appends bytes to data, then their records to index. */
  append(data: Buffer, index: Buffer): Promise<void>;
  markComplete(): Promise<void>;
  close(): Promise<void>;
}

export async function openLogWriter(paths: LogPaths): Promise<LogWriter> {
  await mkdir(paths.dir, { recursive: true });
  const data = await open(paths.data, 'a');
  const index = await open(paths.index, 'a');
  return {
    async append(bytes, records) {
      if (bytes.length > 0) await writeAll(data, bytes);
      if (records.length > 0) await writeAll(index, records);
    },
    async markComplete() {
      const tmp = `${paths.state}.tmp`;
      await writeFile(tmp, JSON.stringify({ complete: true }) + '\n');
      await rename(tmp, paths.state);
    },
    async close() {
      await Promise.allSettled([data.close(), index.close()]);
    },
  };
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done);
    done += bytesWritten;
  }
}

export async function removeFiles(paths: LogPaths): Promise<void> {
  await rm(paths.dir, { recursive: true, force: true });
}
