// Where the log pane is in a job's output, in bytes. Every `job.log` chunk says where it starts
// (`offset`) and ends (`nextOffset`); the cursor keeps only bytes it has not shown yet, so a
// re-follow after a reconnect or a `dropped` end resumes with no gap and no duplicate even when the
// server replays a little.

export interface LogChunkPosition {
  offset: number;
  nextOffset: number;
  data: string;
}

export interface LogCursor {
  /** The byte offset the next chunk should start at (the last nextOffset seen). */
  readonly position: number;
  /** The part of `chunk` not shown yet ('' when it is all old), and advance. A chunk that starts
   * past the position (bytes the server no longer has) is taken whole: `skipped` says how many. */
  accept(chunk: LogChunkPosition): { text: string; skipped: number };
  reset(position: number): void;
}

export function createLogCursor(start = 0): LogCursor {
  let position = start;
  return {
    get position() {
      return position;
    },
    accept(chunk) {
      if (chunk.nextOffset <= position) return { text: '', skipped: 0 };
      const skipped = Math.max(0, chunk.offset - position);
      let text = chunk.data;
      if (chunk.offset < position) {
        // Offsets are bytes of the UTF-8 log; cut on bytes, not string indices.
        text = Buffer.from(chunk.data, 'utf8').subarray(position - chunk.offset).toString('utf8');
      }
      position = chunk.nextOffset;
      return { text, skipped };
    },
    reset(p) {
      position = p;
    },
  };
}
