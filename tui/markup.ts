import type { LogLine } from './log-buffer.js';

// Text for a tagged blessed box, built purely: escaping, log-line markers, search highlights and the
// common ANSI SGR colours (turned into blessed tags). Job output is untrusted: its other escape
// sequences and its braces must not reach the terminal or the tag parser.

/** Make text literal in a blessed box with `tags: true`. */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

// CSI/OSC sequences and other control characters a program may print.
// eslint-disable-next-line no-control-regex
const controls = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const sgr = /^\x1b\[([0-9;]*)m$/;

export function sanitize(text: string): string {
  return parseAnsi(text).text;
}

/** Text with one style per character: the blessed tags (`red-fg`, `bold`...) it is drawn with. */
export interface Styled {
  text: string;
  styles: readonly (readonly string[])[];
}

const colours = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;

/** Plain text and per-character styles from a line with SGR colour codes; every other escape
 * sequence and control character is dropped, tabs become four spaces. Bright colours (90-97) show as
 * their base colour; 256-colour and RGB codes are skipped. */
export function parseAnsi(raw: string): Styled {
  let text = '';
  const styles: (readonly string[])[] = [];
  let fg: string | undefined;
  let bg: string | undefined;
  let bold = false;
  let current: readonly string[] = [];
  const restyle = () => {
    current = [...(bold ? ['bold'] : []), ...(fg ? [`${fg}-fg`] : []), ...(bg ? [`${bg}-bg`] : [])];
  };
  const add = (s: string) => {
    for (const ch of s.replace(/\t/g, '    ')) {
      text += ch;
      styles.push(current);
    }
  };
  let last = 0;
  for (const m of raw.matchAll(controls)) {
    add(raw.slice(last, m.index));
    last = m.index + m[0].length;
    const params = sgr.exec(m[0])?.[1];
    if (params === undefined) continue;
    const codes = params === '' ? [0] : params.split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i] ?? 0;
      if (c === 0) [fg, bg, bold] = [undefined, undefined, false];
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = colours[c - 30];
      else if (c >= 90 && c <= 97) fg = colours[c - 90];
      else if (c === 39) fg = undefined;
      else if (c >= 40 && c <= 47) bg = colours[c - 40];
      else if (c >= 100 && c <= 107) bg = colours[c - 100];
      else if (c === 49) bg = undefined;
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : 4;
    }
    restyle();
  }
  add(raw.slice(last));
  return { text, styles };
}

const matchStyle = ['black-fg', 'yellow-bg'] as const;

/** Tagged text: each style run opened and closed, search matches (case-insensitive) over the top. */
export function tagged(s: Styled, query: string): string {
  const match = new Array<boolean>(s.text.length).fill(false);
  if (query) {
    const lower = s.text.toLowerCase();
    const q = query.toLowerCase();
    for (let at = lower.indexOf(q); at >= 0; at = lower.indexOf(q, at + q.length)) match.fill(true, at, at + q.length);
  }
  let out = '';
  let open: readonly string[] = [];
  const close = () => [...open].reverse().map((t) => `{/${t}}`).join('');
  for (let i = 0; i < s.text.length; i++) {
    const style = match[i] ? matchStyle : (s.styles[i] ?? []);
    if (style.join() !== open.join()) {
      out += close() + style.map((t) => `{${t}}`).join('');
      open = style;
    }
    out += escapeTags(s.text[i] ?? '');
  }
  return out + close();
}

export function highlight(text: string, query: string): string {
  return tagged({ text, styles: [] }, query);
}

function sliceStyled(s: Styled, start: number, end: number): Styled {
  return { text: s.text.slice(start, end), styles: s.styles.slice(start, end) };
}

/** Marks that survive a terminal without colour: stderr lines start with `E|`. */
export const streamMarker = { stdout: '  ', stderr: 'E|', info: '--' } as const;

export interface LogRowOptions {
  query?: string;
  /** The line the last search landed on: underlined. */
  current?: boolean;
  /** Long lines continue on the next rows instead of being cut with `…`. */
  wrap?: boolean;
  /** Each line starts with the time its first byte arrived (`t`). */
  timestamps?: boolean;
}

/** `15:04:05.123` (UTC, as the server stamps it); blank when unknown, so columns stay aligned. */
export function timeOfDay(at: string | undefined): string {
  const m = at ? /T(\d\d:\d\d:\d\d\.\d{3})/.exec(at) : null;
  return m?.[1] ?? ' '.repeat(12);
}

/** A log line as screen rows of `width` columns: its stream marker, colours, search matches; cut with
 * `…`, or wrapped onto more rows. */
export function renderLogRows(line: LogLine, width: number, options: LogRowOptions = {}): string[] {
  // ` 15:04:05.123` after the marker on the first row, as much blank on the rows a wrap adds.
  const stamp = options.timestamps ? ` ${timeOfDay(line.at)}` : '';
  const bodyWidth = Math.max(1, width - 3 - stamp.length);
  const s = parseAnsi(line.text);
  const plainLength = s.text.trimEnd().length;
  const body = { text: s.text.slice(0, plainLength), styles: s.styles.slice(0, plainLength) };
  let chunks: Styled[];
  if (options.wrap) {
    chunks = [];
    for (let i = 0; i < body.text.length; i += bodyWidth) chunks.push(sliceStyled(body, i, i + bodyWidth));
    if (chunks.length === 0) chunks.push(body);
  } else if (body.text.length > bodyWidth) {
    const cut = sliceStyled(body, 0, bodyWidth - 1);
    chunks = [{ text: `${cut.text}…`, styles: [...cut.styles, []] }];
  } else chunks = [body];
  return chunks.map((chunk, i) => {
    const marker = i === 0 ? streamMarker[line.kind] + stamp : ' '.repeat(2 + stamp.length);
    const text = tagged(chunk, options.query ?? '');
    const row = line.kind === 'stderr' ? `{red-fg}${marker} ${text}{/red-fg}` : line.kind === 'info' ? `{cyan-fg}${marker} ${text}{/cyan-fg}` : `${marker} ${text}`;
    return options.current ? `{underline}${row}{/underline}` : row;
  });
}

/** One log line cut to `width` columns (see renderLogRows). */
export function renderLogLine(line: LogLine, width: number, query: string, current = false): string {
  return renderLogRows(line, width, { query, current })[0] ?? '';
}
