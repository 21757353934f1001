// What a capture does to each chunk from Docker before storing it: skip what is already stored (on
// resume), and hold back an incomplete UTF-8 character at a chunk's end until the rest of it arrives
// on the same stream, so no stored chunk (nor any job.log notification) splits a character.
import type { LogStream } from '../../protocol/index.js';
import { completeUtf8Length } from './utf8.js';

export interface ChunkShaper {
  /** The bytes to store now (possibly empty). */
  take(stream: LogStream, data: Buffer): Buffer;
  /** At the end of the output: whatever is still held for `stream`. */
  rest(stream: LogStream): Buffer;
}

/** `skip`: bytes per stream to drop first (the Docker-side counts of what is already stored). */
export function createChunkShaper(skip: { stdout: number; stderr: number }): ChunkShaper {
  const toSkip = { ...skip };
  const held: Record<LogStream, Buffer | null> = { stdout: null, stderr: null };
  return {
    take(stream, input) {
      let data = input;
      if (toSkip[stream] > 0) {
        const n = Math.min(toSkip[stream], data.length);
        toSkip[stream] -= n;
        data = data.subarray(n);
      }
      const before = held[stream];
      if (before) data = Buffer.concat([before, data]);
      const n = completeUtf8Length(data);
      // Copy what is held: the source may reuse or retain the big buffer it sliced from.
      held[stream] = n < data.length ? Buffer.from(data.subarray(n)) : null;
      return data.subarray(0, n);
    },
    rest(stream) {
      const r = held[stream] ?? Buffer.alloc(0);
      held[stream] = null;
      return r;
    },
  };
}
