import type { LogStream } from '#protocol';

// A bounded ring of log lines (STYLE.md 9): appending is O(lines in the chunk), memory is capped at
// `capacity` lines of at most `maxLineLength` characters, and each line has a sequence number so a
// scrolled-back view stays put while old lines fall off the front.

export type LineKind = 'stdout' | 'stderr' | 'info';

export interface LogLine {
  readonly seq: number;
  text: string;
  readonly kind: LineKind;
  /** When cjm received the line's first byte (ISO 8601), when known. */
  readonly at?: string;
}

export interface LogBufferOptions {
  capacity?: number;
  maxLineLength?: number;
}

export interface LogBuffer {
  /** `at`: when the chunk's first byte arrived; later lines of the chunk get it too. */
  append(stream: LogStream, data: string, at?: string): void;
  /** A line from the TUI itself (end of output, reconnect notes), never mixed with job output. */
  info(text: string): void;
  clear(): void;
  /** Sequence number of the oldest line still held. */
  readonly firstSeq: number;
  /** One past the newest line; also the number of lines ever appended. */
  readonly endSeq: number;
  readonly size: number;
  readonly capacity: number;
  /** Lines [fromSeq, fromSeq + count), clamped to what is held. */
  slice(fromSeq: number, count: number): LogLine[];
  /** Next (or previous) line at or after (before) `fromSeq` containing `query`, case-insensitive. */
  find(query: string, fromSeq: number, direction: 1 | -1): number | undefined;
  /** Bumped on every change, so a view redraws only when something changed. */
  readonly version: number;
}

export function createLogBuffer(options: LogBufferOptions = {}): LogBuffer {
  const capacity = options.capacity ?? 5000;
  const maxLineLength = options.maxLineLength ?? 2000;
  const ring: (LogLine | undefined)[] = new Array(capacity);
  let first = 0;
  let end = 0;
  let version = 0;
  // The last line is "open" while its stream has not ended it with a newline yet.
  let open: { seq: number; kind: LineKind } | undefined;

  const at = (seq: number) => ring[seq % capacity];

  function push(text: string, kind: LineKind, time?: string): void {
    ring[end % capacity] = { seq: end, text: text.slice(0, maxLineLength), kind, ...(time === undefined ? {} : { at: time }) };
    end++;
    if (end - first > capacity) first = end - capacity;
  }

  function append(stream: LogStream, data: string, time?: string): void {
    if (data.length === 0) return;
    const parts = data.split('\n');
    // A chunk ending in '\n' closes its last line rather than starting an empty one.
    const closes = parts[parts.length - 1] === '';
    if (closes) parts.pop();
    const kind: LineKind = stream;
    let i = 0;
    if (open && open.kind === kind && open.seq >= first && parts.length > 0) {
      const line = at(open.seq);
      if (line) line.text = (line.text + stripCr(parts[0] ?? '')).slice(0, maxLineLength);
      i = 1;
    }
    for (; i < parts.length; i++) push(stripCr(parts[i] ?? ''), kind, time);
    open = closes ? undefined : { seq: end - 1, kind };
    version++;
  }

  return {
    append,
    info(text) {
      open = undefined;
      push(text, 'info');
      version++;
    },
    clear() {
      ring.fill(undefined);
      first = end;
      open = undefined;
      version++;
    },
    get firstSeq() {
      return first;
    },
    get endSeq() {
      return end;
    },
    get size() {
      return end - first;
    },
    capacity,
    slice(fromSeq, count) {
      const out: LogLine[] = [];
      for (let s = Math.max(fromSeq, first); s < end && out.length < count; s++) {
        const line = at(s);
        if (line) out.push(line);
      }
      return out;
    },
    find(query, fromSeq, direction) {
      if (!query) return undefined;
      const q = query.toLowerCase();
      for (let s = fromSeq; s >= first && s < end; s += direction) {
        if (at(s)?.text.toLowerCase().includes(q)) return s;
      }
      return undefined;
    },
    get version() {
      return version;
    },
  };
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
