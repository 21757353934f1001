import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { followJobLog, type CjmApi } from '#protocol';

// `w`: the whole log of a job, as it is when asked for, written to a file. It is streamed from
// offset 0 to the size at that moment, chunk by chunk at the disk's pace, so a log of gigabytes
// never sits in memory.

export interface SaveLogOptions {
  /** Bytes written so far, after each chunk (for the status line). */
  onProgress?: (bytes: number) => void;
}

/** Writes job `id`'s log to `path` (created or truncated); resolves with the bytes written. */
export async function saveJobLog(api: CjmApi, id: number, path: string, options: SaveLogOptions = {}): Promise<number> {
  const { size } = await api.call('job.logs', { id, tailBytes: 0 });
  const out = createWriteStream(path);
  // The stream's error, kept for the checks below (a write error also ends the stream).
  let failed: Error | undefined;
  out.on('error', (e) => (failed = e));
  const check = (): void => {
    if (failed) throw new Error(`cannot write ${path}: ${failed.message}`);
  };
  // Open first, so an unwritable path is reported before anything is read.
  await Promise.race([once(out, 'open'), once(out, 'error')]).catch(() => undefined);
  check();
  const follower = followJobLog(api, id, { from: 0, until: size });
  let written = 0;
  try {
    for await (const ev of follower) {
      if (ev.kind === 'end') {
        if (ev.reason === 'removed' || ev.reason === 'error') throw new Error(`the log ended early at byte ${ev.offset} of ${size} (${ev.reason === 'removed' ? 'job removed' : 'read failed'})`);
        break;
      }
      if (!out.write(ev.chunk.data)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
      check();
      written += Buffer.byteLength(ev.chunk.data);
      options.onProgress?.(written);
    }
  } finally {
    follower.close();
    out.end();
    if (!out.closed) await once(out, 'close').catch(() => undefined);
  }
  check();
  return written;
}
