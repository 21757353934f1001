import type { LogChunk } from '#protocol';

// A log tail as lines, each knowing which streams wrote it, so stderr can be marked per line (a
// visible "err" tag) as well as per piece (a class). web/static/log.js continues the same shape live.

export interface LogLine {
  pieces: LogChunk[];
  /** Any part of the line came from stderr. */
  stderr: boolean;
  /** When its first byte arrived, for chunks read with timestamps. */
  at?: string;
}

export interface LogLines {
  lines: LogLine[];
  /** The last line has no newline yet: live output continues it. */
  open: boolean;
}

export function toLogLines(chunks: readonly LogChunk[]): LogLines {
  const lines: LogLine[] = [];
  let current = null as LogLine | null;
  for (const chunk of chunks) {
    const parts = chunk.text.split('\n');
    for (let i = 0; i < parts.length; i++) {
      const text = parts[i] ?? '';
      if (i > 0) current = null; // a newline ended the previous line
      if (text === '' && i === parts.length - 1) continue; // nothing after the last newline yet
      if (!current) {
        current = chunk.at ? { pieces: [], stderr: false, at: chunk.at } : { pieces: [], stderr: false };
        lines.push(current);
      }
      if (text !== '') current.pieces.push({ stream: chunk.stream, text });
      if (chunk.stream === 'stderr') current.stderr = true;
    }
  }
  return { lines, open: current !== null };
}
