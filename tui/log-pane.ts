import { followJobLog, formatBytes, type JobLogFollower } from '#protocol';
import type { Connection } from './connection.js';
import { createLogBuffer, type LogBuffer, type LogLine } from './log-buffer.js';

// The log pane's model: which job it follows, the bytes shown so far, the ring of lines,
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

/** `── 15,004 earlier lines not shown (w saves the whole log) ──`: how much of the log is above the oldest line held. */
export function earlierMarker(lines: number, bytes: number): string {
  const n = `${lines.toLocaleString('en-US')} ${lines === 1 ? 'line' : 'lines'}`;
  if (bytes === 0) return `── ${n.replace(/ line/, ' earlier line')} not shown (w saves the whole log) ──`;
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
  /** The byte after the last one shown; undefined until the tail is read. */
  let position: number | undefined;
  let follower: JobLogFollower | undefined;
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
    follower?.close();
    follower = undefined;
  }

  /** Follow from `from` with the shared client (an early logEnd, `dropped` and overlap are its job);
   * events of a follower that was replaced are ignored. */
  async function followFrom(id: number, from: number): Promise<void> {
    unfollow();
    const mine = followJobLog(connection, id, { from });
    follower = mine;
    for await (const ev of mine) {
      if (follower !== mine) return;
      if (ev.kind === 'chunk') {
        position = ev.chunk.nextOffset;
        if (ev.chunk.data) buffer.append(ev.chunk.stream, ev.chunk.data, ev.chunk.at);
      } else buffer.info(ev.reason === 'removed' ? '── job removed ──' : ev.reason === 'error' ? '── log follow failed ──' : '── end of output ──');
      changed();
    }
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
      return position;
    },
    async show(id) {
      if (id === jobId && position !== undefined) return;
      generation++;
      const gen = generation;
      unfollow();
      jobId = id;
      position = undefined;
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
      position = tail.size;
      changed();
      void followFrom(id, tail.size);
    },
    async resume() {
      if (jobId === undefined) return;
      if (position === undefined) {
        const id = jobId;
        jobId = undefined;
        return pane.show(id);
      }
      void followFrom(jobId, position);
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
    },
  };
  return pane;
}
