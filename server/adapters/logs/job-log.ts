// One job's log while this process has it open: what is on disk (committed), the chunks received but
// not yet written (a bounded batch), the cap, and the followers to feed live. Writes are batched
// (by size or after a short delay) and never fsync'd: a killed process leaves the page cache intact,
// and whatever was not written yet is still in Docker's log, where the next capture finds it.
import type { Clock, Logger } from '../../core/ports.js';
import type { LogStream } from '../../protocol/index.js';
import { encodeRecords, type IndexRecord } from './index-record.js';
import type { LogExtent, LogPaths, LogWriter } from './log-files.js';
import { truncationMarker } from './tail-cut.js';
import { completeUtf8Length } from './utf8.js';

export interface StoredChunk {
  offset: number;
  stream: LogStream;
  data: Buffer;
  timeMs: number;
  marker: boolean;
  /** Bytes of each stream through this chunk, as Docker's copy replays them (see index-record.ts). */
  dockerStdout: number;
  dockerStderr: number;
}

export interface LiveFollower {
  /** Called synchronously for every new chunk while the follower is live. */
  push(chunk: StoredChunk): void;
  end(reason: 'finished' | 'removed'): void;
  readonly live: boolean;
}

export interface JobLogOptions {
  maxBytes: number;
  /** Write when this many bytes wait... */
  flushBytes: number;
  /** ...or this long after the first waiting byte. */
  flushMs: number;
  /** The capture waits for the disk when this many bytes wait. */
  highWaterBytes: number;
}

export interface JobLog {
  readonly jobId: number;
  readonly paths: LogPaths;
  /** Bytes and records on disk. */
  readonly committedEnd: number;
  readonly committedRecords: number;
  /** Bytes received (committed + waiting). */
  readonly end: number;
  /** Received, not yet on disk, in order, starting at committedEnd. */
  readonly unwritten: readonly StoredChunk[];
  readonly dockerCounts: { stdout: number; stderr: number };
  /** Time of the first and the last stored chunk (ms), null while empty. */
  readonly firstTimeMs: number | null;
  readonly lastTimeMs: number;
  readonly truncated: boolean;
  readonly complete: boolean;
  readonly followers: Set<LiveFollower>;
  /** Makes the log writable (the capture owns the writer). */
  setWriter(writer: LogWriter | null): void;
  append(stream: LogStream, data: Buffer, timeMs: number): void;
  needsDrain(): boolean;
  flush(): Promise<void>;
  /** Flushes, records completion on disk, tells live followers. */
  finish(): Promise<void>;
  /** Ends every follower with 'removed' and discards further input. */
  remove(): void;
}

export function createJobLog(
  jobId: number,
  paths: LogPaths,
  extent: LogExtent,
  deps: { clock: Clock; logger: Logger },
  options: JobLogOptions,
): JobLog {
  let committedEnd = extent.end;
  let committedRecords = extent.records;
  let end = extent.end;
  let truncated = extent.truncated;
  let complete = extent.complete;
  let removed = false;
  const docker = { stdout: extent.last?.dockerStdout ?? 0, stderr: extent.last?.dockerStderr ?? 0 };
  let lastTimeMs = extent.last?.timeMs ?? 0;
  let firstTimeMs = extent.firstTimeMs;
  const unwritten: StoredChunk[] = [];
  let unwrittenBytes = 0;
  const followers = new Set<LiveFollower>();
  let writer: LogWriter | null = null;
  let inFlight: Promise<void> | null = null;
  let cancelTimer: (() => void) | null = null;
  const marker = truncationMarker(options.maxBytes);

  function push(stream: LogStream, data: Buffer, timeMs: number, isMarker: boolean): void {
    if (!isMarker) docker[stream] += data.length;
    lastTimeMs = Math.max(lastTimeMs, timeMs);
    firstTimeMs ??= lastTimeMs;
    const chunk: StoredChunk = {
      offset: end,
      stream,
      data,
      timeMs: lastTimeMs,
      marker: isMarker,
      dockerStdout: docker.stdout,
      dockerStderr: docker.stderr,
    };
    end += data.length;
    unwritten.push(chunk);
    unwrittenBytes += data.length;
    for (const f of followers) if (f.live) f.push(chunk);
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (unwrittenBytes >= options.flushBytes && !inFlight) void flush().catch(report);
    else if (!cancelTimer)
      cancelTimer = deps.clock.setTimer(options.flushMs, () => {
        cancelTimer = null;
        void flush().catch(report);
      });
  }

  function report(err: unknown): void {
    deps.logger.error({ jobId, err }, 'writing job log failed');
  }

  async function writeBatch(batch: StoredChunk[]): Promise<void> {
    if (!writer) throw new Error('job log is not writable');
    const bytes = Buffer.concat(batch.map((c) => c.data));
    const records = coalesce(batch);
    await writer.append(bytes, encodeRecords(records));
    committedEnd += bytes.length;
    committedRecords += records.length;
    unwritten.splice(0, batch.length);
    unwrittenBytes -= bytes.length;
  }

  async function flush(): Promise<void> {
    while (inFlight) await inFlight;
    if (cancelTimer) {
      cancelTimer();
      cancelTimer = null;
    }
    if (unwritten.length === 0 || !writer) return;
    inFlight = writeBatch(unwritten.slice()).finally(() => {
      inFlight = null;
    });
    await inFlight;
    // A fast producer filled the next batch meanwhile: write it now rather than at the timer.
    if (unwrittenBytes >= options.flushBytes && inFlight === null) void flush().catch(report);
  }

  return {
    jobId,
    paths,
    get committedEnd() {
      return committedEnd;
    },
    get committedRecords() {
      return committedRecords;
    },
    get end() {
      return end;
    },
    unwritten,
    dockerCounts: docker,
    get firstTimeMs() {
      return firstTimeMs;
    },
    get lastTimeMs() {
      return lastTimeMs;
    },
    get truncated() {
      return truncated;
    },
    get complete() {
      return complete;
    },
    followers,
    setWriter(w) {
      writer = w;
    },
    append(stream, data, timeMs) {
      if (truncated || complete || removed || data.length === 0) return;
      const room = options.maxBytes - end;
      if (data.length <= room) {
        push(stream, data, timeMs, false);
        return;
      }
      const head = data.subarray(0, room);
      const kept = head.subarray(0, completeUtf8Length(head));
      if (kept.length > 0) push(stream, kept, timeMs, false);
      truncated = true;
      push('stderr', marker, timeMs, true);
    },
    needsDrain: () => unwrittenBytes >= options.highWaterBytes,
    flush,
    async finish() {
      await flush();
      if (complete || removed) return;
      await writer?.markComplete();
      complete = true;
      for (const f of [...followers]) if (f.live) f.end('finished');
    },
    remove() {
      removed = true;
      if (cancelTimer) cancelTimer();
      cancelTimer = null;
      for (const f of [...followers]) f.end('removed');
    },
  };
}

/** One index record per run of neighbouring chunks of one stream (markers stay on their own). */
export function coalesce(batch: readonly StoredChunk[]): IndexRecord[] {
  const out: IndexRecord[] = [];
  let cur: IndexRecord | null = null;
  for (const c of batch) {
    if (cur && !cur.marker && !c.marker && cur.stream === c.stream && cur.offset + cur.length === c.offset) {
      cur.length += c.data.length;
      cur.dockerStdout = c.dockerStdout;
      cur.dockerStderr = c.dockerStderr;
      continue;
    }
    cur = {
      offset: c.offset,
      length: c.data.length,
      stream: c.stream,
      marker: c.marker,
      timeMs: c.timeMs,
      dockerStdout: c.dockerStdout,
      dockerStderr: c.dockerStderr,
    };
    out.push(cur);
  }
  return out;
}
