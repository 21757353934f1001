// One follower of a job log: replays stored bytes from its offset (from the files, then from the
// not-yet-written batch), then turns live and gets each new chunk synchronously as it is appended.
// It never queues data itself: a follower that is behind reads from the file, and one whose consumer
// refuses a chunk (returns false) is dropped at that chunk's offset, to resume from there.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { LogFollowChunk, Logger } from '../../core/ports.js';
import type { LogEndReason, LogStream } from '../../protocol/index.js';
import { recordEnd } from './index-record.js';
import type { JobLog, LiveFollower, StoredChunk } from './job-log.js';
import { findRecord, readBytes, readRecords } from './log-files.js';
import { charStart } from './utf8.js';

/** Largest `data` of one notification, and how much one replay step reads. */
const MAX_PIECE = 64 * 1024;
const READ_STEP = 256 * 1024;
const RECORDS_STEP = 256;

export interface FollowHandlers {
  onChunk(chunk: LogFollowChunk): boolean;
  onEnd(reason: LogEndReason, offset: number): void;
}

/** Starts following; `release` is called once when the follower is over, however it ends. */
export function startFollow(
  log: JobLog,
  fromOffset: number | undefined,
  handlers: FollowHandlers,
  deps: { logger: Logger; release: () => void },
): () => void {
  let next = Math.min(fromOffset ?? log.end, log.end);
  let live = false;
  let over = false;

  function finish(reason: LogEndReason | null, offset: number): void {
    if (over) return;
    over = true;
    log.followers.delete(follower);
    deps.release();
    if (reason) {
      try {
        handlers.onEnd(reason, offset);
      } catch (err) {
        deps.logger.warn({ jobId: log.jobId, err }, 'follow end handler failed');
      }
    }
  }

  /** Sends bytes that start at `offset`, received at `timeMs`; false when the follower is over. */
  function send(stream: LogStream, data: Buffer, offset: number, timeMs: number): boolean {
    if (over) return false;
    let ok: boolean;
    try {
      const at = new Date(timeMs).toISOString();
      ok = handlers.onChunk({ stream, data: data.toString('utf8'), offset, nextOffset: offset + data.length, at });
    } catch (err) {
      deps.logger.warn({ jobId: log.jobId, err }, 'follow chunk handler failed');
      ok = false;
    }
    next = offset + data.length;
    if (!ok) finish('dropped', offset);
    return ok;
  }

  /** Sends the part of a run of bytes (starting at `offset`) at or after `next`, in pieces. */
  function sendRun(stream: LogStream, data: Buffer, offset: number, timeMs: number): boolean {
    if (offset + data.length <= next) return true;
    let at = Math.max(0, next - offset);
    while (at < data.length) {
      let to = Math.min(data.length, at + MAX_PIECE);
      if (to < data.length) to = Math.max(at + 1, charStart(data, to));
      if (!send(stream, data.subarray(at, to), offset + at, timeMs)) return false;
      at = to;
    }
    return true;
  }

  const follower: LiveFollower = {
    get live() {
      return live;
    },
    push(chunk: StoredChunk) {
      sendRun(chunk.stream, chunk.data, chunk.offset, chunk.timeMs);
    },
    end(reason) {
      finish(reason, next);
    },
  };

  async function replayFromFiles(files: { index: FileHandle; data: FileHandle }): Promise<void> {
    const count = log.committedRecords;
    const first = await findRecord(files.index, count, next);
    const records = await readRecords(files.index, first, Math.min(RECORDS_STEP, count - first));
    if (records.length === 0) return;
    const start = Math.max(next, records[0]!.offset);
    let stop = start;
    for (const r of records) {
      if (stop - start >= READ_STEP) break;
      stop = Math.min(recordEnd(r), log.committedEnd);
    }
    const bytes = await readBytes(files.data, start, stop - start);
    for (const r of records) {
      if (r.offset >= stop || over) break;
      const from = Math.max(r.offset, start);
      const to = Math.min(recordEnd(r), stop);
      if (!sendRun(r.stream, bytes.subarray(from - start, to - start), from, r.timeMs)) return;
    }
  }

  async function replay(): Promise<void> {
    let files: { index: FileHandle; data: FileHandle } | null = null;
    try {
      while (!over && next < log.committedEnd) {
        files ??= { index: await open(log.paths.index, 'r'), data: await open(log.paths.data, 'r') };
        const before = next;
        await replayFromFiles(files);
        if (next === before && !over) throw new Error(`job log index does not cover offset ${next}`);
      }
      if (over) return;
      // Caught up with the files: the rest is in memory; send it and go live in the same tick.
      for (const chunk of [...log.unwritten]) if (!sendRun(chunk.stream, chunk.data, chunk.offset, chunk.timeMs)) return;
      live = true;
      if (log.complete && next >= log.end) finish('finished', next);
    } finally {
      if (files) await Promise.allSettled([files.index.close(), files.data.close()]);
    }
  }

  log.followers.add(follower);
  replay().catch((err: unknown) => {
    deps.logger.warn({ jobId: log.jobId, err }, 'follow replay failed');
    finish('dropped', next);
  });
  return () => finish(null, next);
}
