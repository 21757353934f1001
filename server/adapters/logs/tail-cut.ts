// Pure shaping of a log tail: which bytes to show, cut where a reader expects it.
import type { LogStream } from '../../protocol/index.js';
import type { LogTail } from '../../core/ports.js';

export interface ByteChunk {
  stream: LogStream;
  data: Buffer;
  /** When the first byte was received (the index record's time). */
  timeMs?: number;
}

const NEWLINE = 0x0a;

/** Joins neighbouring chunks of the same stream (the index may split one run across batches);
 * `byTime` also keeps chunks received at different times apart, each with its time. */
export function mergeAdjacent(chunks: readonly ByteChunk[], byTime = false): ByteChunk[] {
  const out: ByteChunk[] = [];
  let run: Buffer[] = [];
  let stream: LogStream | null = null;
  let timeMs: number | undefined;
  const flush = (): void => {
    if (stream !== null && run.length > 0) {
      const data = run.length === 1 ? run[0]! : Buffer.concat(run);
      out.push(byTime ? { stream, data, timeMs: timeMs ?? 0 } : { stream, data });
    }
    run = [];
  };
  for (const c of chunks) {
    if (c.data.length === 0) continue;
    if (c.stream !== stream || (byTime && c.timeMs !== timeMs)) flush();
    if (run.length === 0) timeMs = c.timeMs;
    stream = c.stream;
    run.push(c.data);
  }
  flush();
  return out;
}

/** Where to start showing `bytes` so that at most `limit` bytes are shown: at a line start when the
 * cut falls inside a line and a later line exists, else at least not inside a UTF-8 character.
 * `prevIsNewline` says whether the byte before `bytes` ends a line (true at the start of the log). */
export function tailStart(bytes: Uint8Array, limit: number, prevIsNewline: boolean): number {
  const total = bytes.length;
  if (limit <= 0) return total;
  const cut = Math.max(0, total - limit);
  const atLineStart = cut === 0 ? prevIsNewline : bytes[cut - 1] === NEWLINE;
  if (atLineStart) return cut;
  for (let i = cut; i < total - 1; i++) if (bytes[i] === NEWLINE) return i + 1;
  let start = cut;
  while (start < total && start - cut < 3 && (bytes[start]! & 0xc0) === 0x80) start++;
  return start;
}

/** Drops the first `skip` bytes of a chunk sequence. */
export function dropBytes(chunks: readonly ByteChunk[], skip: number): ByteChunk[] {
  const out: ByteChunk[] = [];
  let left = skip;
  for (const c of chunks) {
    if (left >= c.data.length) {
      left -= c.data.length;
      continue;
    }
    out.push(left > 0 ? { ...c, data: c.data.subarray(left) } : c);
    left = 0;
  }
  return out;
}

/** The last `limit` bytes of `chunks` (which should hold limit+1 bytes when the log has them, so the
 * byte before the cut is known), cut per tailStart, as a LogTail. `fromStart`: chunks begin the log.
 * `timestamps`: each chunk carries `at`, the time its first byte was received. */
export function shapeTail(chunks: readonly ByteChunk[], limit: number, fromStart: boolean, size: number, timestamps = false): LogTail {
  const all = Buffer.concat(chunks.map((c) => c.data));
  const start = tailStart(all, limit, fromStart);
  const kept = mergeAdjacent(dropBytes(chunks, start), timestamps);
  const shown = kept.map((c) => ({
    stream: c.stream,
    text: c.data.toString('utf8'),
    ...(timestamps ? { at: new Date(c.timeMs ?? 0).toISOString() } : {}),
  }));
  const shownBytes = all.length - start;
  return {
    text: shown.map((c) => c.text).join(''),
    chunks: shown,
    size,
    truncated: shownBytes < size,
  };
}

/** The visible line written once when a job's log reaches its cap. */
export function truncationMarker(maxBytes: number): Buffer {
  return Buffer.from(`\n[cjm: log truncated at ${formatSize(maxBytes)}; further output dropped]\n`);
}

function formatSize(bytes: number): string {
  const mib = 1024 * 1024;
  if (bytes % mib === 0) return `${bytes / mib} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
