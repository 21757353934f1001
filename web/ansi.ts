// ANSI SGR colours and styles as CSS classes. Only SGR (`ESC [ ... m`) is understood; every other
// escape or control sequence is dropped, so nothing but text and our own class names reaches the
// page (the text itself is escaped where it is rendered or set as textContent).

export interface AnsiState {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  /** An escape sequence cut at a chunk's end: joined to the next chunk. */
  pending: string;
}

export interface AnsiSegment {
  text: string;
  /** Space-separated class names (`a-fg1 a-b`), '' for plain text. */
  cls: string;
}

export function initialAnsiState(): AnsiState {
  return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, pending: '' };
}

// CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), other escapes (ESC intermediates final), then C0 controls
// other than \n and \t (a lone \r is dropped: the page has no carriage).
// eslint-disable-next-line no-control-regex
const sequence = /\u001b\[([0-?]*)[ -/]*([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[ -/]*[0-~]|[\u0000-\u0008\u000b-\u001f\u007f]/g;
// An escape at the end that may continue in the next chunk.
// eslint-disable-next-line no-control-regex
const unfinished = /\u001b(?:\[[0-?]*[ -/]*|\][^\u0007\u001b]*|[ -/]*)$/;

/** Splits `text` into styled segments, continuing from `state` (which it updates, so the next chunk
 * of the same stream picks up where this one ended). */
export function ansiSegments(text: string, state: AnsiState): AnsiSegment[] {
  let input = state.pending + text;
  state.pending = '';
  const cut = unfinished.exec(input);
  if (cut && cut[0].length < 256) {
    state.pending = cut[0];
    input = input.slice(0, cut.index);
  }
  const out: AnsiSegment[] = [];
  let last = 0;
  const push = (t: string) => {
    if (t === '') return;
    const cls = classesOf(state);
    const prev = out[out.length - 1];
    if (prev && prev.cls === cls) prev.text += t;
    else out.push({ text: t, cls });
  };
  for (const m of input.matchAll(sequence)) {
    push(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') applySgr(state, m[1] ?? '');
  }
  push(input.slice(last));
  return out;
}

function applySgr(s: AnsiState, params: string): void {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) Object.assign(s, { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c === 49) s.bg = null;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 38 || c === 48) {
      // 256-colour (5;n) keeps its first 16 entries; anything else (true colour) is skipped.
      const n = codes[i + 1] === 5 ? codes[i + 2] : undefined;
      if (n !== undefined && n >= 0 && n < 16) s[c === 38 ? 'fg' : 'bg'] = n;
      i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
    }
  }
}

function classesOf(s: AnsiState): string {
  const cls: string[] = [];
  if (s.fg !== null) cls.push(`a-fg${s.fg}`);
  if (s.bg !== null) cls.push(`a-bg${s.bg}`);
  if (s.bold) cls.push('a-b');
  if (s.dim) cls.push('a-d');
  if (s.italic) cls.push('a-i');
  if (s.underline) cls.push('a-u');
  return cls.join(' ');
}
