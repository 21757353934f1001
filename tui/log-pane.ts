import { formatBytes, type JobLogEndNotification, type JobLogNotification } from '#protocol';
import type { Connection } from './connection.js';
import { createLogBuffer, type LogBuffer, type LogLine } from './log-buffer.js';
import { createLogCursor, type LogCursor } from './log-cursor.js';

// The log pane's model: which job it follows, the bytes shown so far (a cursor), the ring of lines,
// and the viewport (following the end, or paused at a line the user scrolled to). Notifications
// only append to the ring; the view draws the visible slice on its own timer.

export interface LogPaneOptions {
  capacity?: number;
  tailBytes?: number;
}

export interface LogPane {
  readonly buffer: LogBuffer;
  readonly jobId: number | undefined;
  /** Following the end (true) or paused where the user scrolled (false). */
  readonly following: boolean;
  readonly query: string;
  /** The seq of the line the last search landed on. */
  readonly matchSeq: number | undefined;
  /** Follow a job from its recent tail; undefined clears the pane. */
  show(jobId: number | undefined): Promise<void>;
  /** Resume after a reconnect from the last byte shown. */
  resume(): Promise<void>;
  /** Output of this job the pane does not hold: lines that fell off the ring, bytes before the tail
   * it started from. */
  readonly hidden: { lines: number; bytes: number };
  /** The lines to draw in a pane `height` lines tall; when they start at the oldest line held and
   * earlier output exists, the first one says how much is not shown. */
  window(height: number): LogLine[];
  scroll(delta: number, height: number): void;
  scrollToTop(): void;
  follow(): void;
  setQuery(q: string): void;
  /** Jump to the next match (1: towards the end, -1: towards the start), from the last match or the
   * top of the view, wrapping round the ends as less and k9s do. */
  findNext(direction: 1 | -1, height: number): SearchResult;
  /** Which match is current and how many lines match, for `3/17` (index 0 before the first jump). */
  matches(): { index: number; total: number };
  /** Bytes of the job's log shown so far (for tests and the bench). */
  readonly position: number | undefined;
  readonly version: number;
  onChange(handler: () => void): () => void;
  dispose(): void;
}

/** `── 15,004 earlier lines not shown ──`: how much of the log is above the oldest line held. */
export function earlierMarker(lines: number, bytes: number): string {
  const n = `${lines.toLocaleString('en-US')} ${lines === 1 ? 'line' : 'lines'}`;
  if (bytes === 0) return `── ${n.replace(/ line/, ' earlier line')} not shown ──`;
  if (lines === 0) return `── ${formatBytes(bytes)} of earlier output not shown ──`;
  // Short enough for the log pane of an 80-column terminal.
  return `── ${n} + ${formatBytes(bytes)} not shown ──`;
}

/** `wrapped`: found past an end, from the other one. */
export type SearchResult = 'found' | 'wrapped' | 'none';

export function createLogPane(connection: Connection, options: LogPaneOptions = {}): LogPane {
  const buffer = createLogBuffer({ capacity: options.capacity ?? 5000 });
  const tailBytes = options.tailBytes ?? 64 * 1024;
  let jobId: number | undefined;
  let cursor: LogCursor | undefined;
  let subscription: string | undefined;
  let generation = 0;
  let following = true;
  let top = 0;
  let query = '';
  let matchSeq: number | undefined;
  let counted: { key: string; index: number; total: number } | undefined;
  // Where this job's lines start in the ring's numbering, and the bytes before the tail read.
  let startSeq = 0;
  let bytesBefore = 0;
  let version = 0;
  const handlers = new Set<() => void>();

  function changed(): void {
    version++;
    handlers.forEach((h) => h());
  }

  function unfollow(): void {
    const sub = subscription;
    subscription = undefined;
    if (sub && connection.state.kind === 'connected') connection.call('job.unfollow', { subscription: sub }).catch(() => {});
  }

  // A logEnd can beat the job.follow answer (a finished job ends at once): keep it until the answer
  // names its subscription.
  let early: JobLogEndNotification | undefined;

  async function startFollow(gen: number, id: number, from: number): Promise<void> {
    early = undefined;
    const { subscription: sub } = await connection.call('job.follow', { id, fromOffset: from });
    if (gen !== generation) {
      connection.call('job.unfollow', { subscription: sub }).catch(() => {});
      return;
    }
    subscription = sub;
    const end = early as JobLogEndNotification | undefined; // set by the handler meanwhile
    early = undefined;
    if (end?.subscription === sub) ended(end);
  }

  const offLog = connection.on('job.log', (n: JobLogNotification) => {
    if (n.id !== jobId || !cursor) return;
    if (subscription !== undefined && n.subscription !== subscription) return;
    const { text, skipped } = cursor.accept(n);
    if (skipped > 0) buffer.info(`… ${skipped} bytes not kept by the server …`);
    if (text) {
      buffer.append(n.stream, text, n.at);
      changed();
    }
  });

  const offEnd = connection.on('job.logEnd', (n: JobLogEndNotification) => {
    if (n.id !== jobId) return;
    if (subscription === undefined) early = n;
    else if (n.subscription === subscription) ended(n);
  });

  function ended(n: JobLogEndNotification): void {
    subscription = undefined;
    if (n.reason === 'dropped') {
      // We fell behind and the server let go; resume where the screen is, not where it says.
      const gen = generation;
      startFollow(gen, n.id, cursor?.position ?? n.offset).catch(() => {});
      return;
    }
    buffer.info(n.reason === 'finished' ? '── end of output ──' : '── job removed ──');
    changed();
  }

  const pane: LogPane = {
    buffer,
    get jobId() {
      return jobId;
    },
    get following() {
      return following;
    },
    get query() {
      return query;
    },
    get matchSeq() {
      return matchSeq;
    },
    get position() {
      return cursor?.position;
    },
    async show(id) {
      if (id === jobId && cursor) return;
      generation++;
      const gen = generation;
      unfollow();
      jobId = id;
      cursor = undefined;
      buffer.clear();
      startSeq = buffer.endSeq;
      bytesBefore = 0;
      following = true;
      // A search belongs to the job it was typed for.
      query = '';
      matchSeq = undefined;
      changed();
      if (id === undefined || connection.state.kind !== 'connected') return;
      const tail = await connection.call('job.logs', { id, tailBytes, timestamps: true });
      if (gen !== generation) return;
      let read = 0;
      // timestamps: true answers chunks, each with its time.
      for (const c of tail.chunks ?? []) {
        buffer.append(c.stream, c.text, c.at);
        read += Buffer.byteLength(c.text);
      }
      bytesBefore = tail.truncated ? Math.max(0, tail.size - read) : 0;
      cursor = createLogCursor(tail.size);
      changed();
      await startFollow(gen, id, tail.size);
    },
    async resume() {
      subscription = undefined;
      if (jobId === undefined) return;
      if (!cursor) {
        const id = jobId;
        jobId = undefined;
        return pane.show(id);
      }
      await startFollow(generation, jobId, cursor.position);
    },
    get hidden() {
      return { lines: Math.max(0, buffer.firstSeq - startSeq), bytes: bytesBefore };
    },
    window(height) {
      let lines: LogLine[];
      if (following) lines = buffer.slice(buffer.endSeq - height, height);
      else {
        top = Math.max(buffer.firstSeq, Math.min(top, buffer.endSeq - 1));
        lines = buffer.slice(top, height);
      }
      const { lines: n, bytes } = pane.hidden;
      if ((n === 0 && bytes === 0) || lines[0]?.seq !== buffer.firstSeq) return lines;
      return [{ seq: -1, kind: 'info', text: earlierMarker(n, bytes) }, ...lines.slice(0, Math.max(0, height - 1))];
    },
    scroll(delta, height) {
      if (following) {
        if (delta >= 0) return;
        top = Math.max(buffer.firstSeq, buffer.endSeq - height);
        following = false;
      }
      top = Math.max(buffer.firstSeq, Math.min(top + delta, Math.max(buffer.firstSeq, buffer.endSeq - height)));
      changed();
    },
    scrollToTop() {
      following = false;
      top = buffer.firstSeq;
      changed();
    },
    follow() {
      following = true;
      changed();
    },
    setQuery(q) {
      query = q;
      matchSeq = undefined;
      changed();
    },
    findNext(direction, height) {
      if (!query) return 'none';
      const from = matchSeq !== undefined ? matchSeq + direction : following ? buffer.endSeq - height : top;
      let found = buffer.find(query, from, direction);
      let result: SearchResult = 'found';
      if (found === undefined) {
        found = buffer.find(query, direction === 1 ? buffer.firstSeq : buffer.endSeq - 1, direction);
        result = 'wrapped';
      }
      if (found === undefined) return 'none';
      matchSeq = found;
      following = false;
      // Put the match a third of the way down, so there is context above and below it.
      top = Math.max(buffer.firstSeq, found - Math.floor(height / 3));
      changed();
      return result;
    },
    matches() {
      if (!query) return { index: 0, total: 0 };
      // One pass over the ring per change, not per frame.
      const key = `${buffer.version}\0${matchSeq}\0${query}`;
      if (counted?.key !== key) {
        let total = 0;
        let index = 0;
        for (let s = buffer.find(query, buffer.firstSeq, 1); s !== undefined; s = buffer.find(query, s + 1, 1)) {
          total++;
          if (matchSeq !== undefined && s <= matchSeq) index = total;
        }
        counted = { key, index, total };
      }
      return { index: counted.index, total: counted.total };
    },
    get version() {
      return version + buffer.version;
    },
    onChange(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    dispose() {
      generation++;
      unfollow();
      offLog();
      offEnd();
    },
  };
  return pane;
}
