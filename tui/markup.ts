import type { LogLine } from './log-buffer.js';
import { fit } from './format.js';

// Text for a tagged blessed box, built purely: escaping, log-line markers, search highlights.
// Job output is untrusted: its escape sequences and braces must not reach the terminal or the tag
// parser.

/** Make text literal in a blessed box with `tags: true`. */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

// CSI/OSC sequences and other control characters a program may print.
// eslint-disable-next-line no-control-regex
const controls = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

export function sanitize(text: string): string {
  return text.replace(/\t/g, '    ').replace(controls, '');
}

/** Marks that survive a terminal without colour: stderr lines start with `E|`. */
export const streamMarker = { stdout: '  ', stderr: 'E|', info: '--' } as const;

/** One log line cut to `width` columns, with its stream marker and the search matches highlighted. */
export function renderLogLine(line: LogLine, width: number, query: string, current = false): string {
  const body = fit(sanitize(line.text), Math.max(0, width - 3)).trimEnd();
  const marker = streamMarker[line.kind];
  const text = highlight(body, query);
  const out = line.kind === 'stderr' ? `{red-fg}${marker} ${text}{/red-fg}` : line.kind === 'info' ? `{cyan-fg}${marker} ${text}{/cyan-fg}` : `${marker} ${text}`;
  return current ? `{underline}${out}{/underline}` : out;
}

export function highlight(text: string, query: string): string {
  if (!query) return escapeTags(text);
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let out = '';
  let i = 0;
  for (let at = lower.indexOf(q); at >= 0; at = lower.indexOf(q, i)) {
    out += escapeTags(text.slice(i, at)) + `{black-fg}{yellow-bg}${escapeTags(text.slice(at, at + q.length))}{/yellow-bg}{/black-fg}`;
    i = at + q.length;
  }
  return out + escapeTags(text.slice(i));
}
