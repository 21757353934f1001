import { PassThrough } from 'node:stream';
import xterm from '@xterm/headless';

// An in-memory terminal: blessed writes to `output`, @xterm/headless replays it, and `lines()` is what
// a person would see. `input` takes raw key bytes as a terminal would send them.

export interface HeadlessTerminal {
  input: PassThrough;
  output: PassThrough;
  lines(): Promise<string[]>;
  text(): Promise<string>;
  press(...keys: string[]): void;
  /** Bytes written to the output so far (the bench waits for this to move). */
  readonly written: number;
  resize(cols: number, rows: number): void;
  dispose(): void;
}

export const keys = { enter: '\r', escape: '\x1b', tab: '\t', up: '\x1b[A', down: '\x1b[B', end: '\x1b[F', backspace: '\x7f', ctrlC: '\x03', ctrlS: '\x13', ctrlU: '\x15' } as const;

export function createHeadlessTerminal(cols = 120, rows = 40): HeadlessTerminal {
  const output = new PassThrough() as PassThrough & { columns: number; rows: number; isTTY: boolean };
  output.columns = cols;
  output.rows = rows;
  output.isTTY = true;
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (b: boolean) => void };
  input.isTTY = true;
  input.setRawMode = () => {};
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  let written = 0;
  output.on('data', (d: Buffer) => {
    written += d.length;
    term.write(d);
  });
  const lines = () =>
    new Promise<string[]>((resolve) =>
      term.write('', () => {
        const b = term.buffer.active;
        const out: string[] = [];
        for (let i = 0; i < rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
        resolve(out);
      }),
    );
  return {
    input,
    output,
    lines,
    text: async () => (await lines()).join('\n'),
    press(...ks) {
      // One write per key, as a person types: an Esc glued to the next key would read as Alt-key.
      for (const k of ks) input.write(k);
    },
    get written() {
      return written;
    },
    resize(c, r) {
      output.columns = c;
      output.rows = r;
      term.resize(c, r);
      output.emit('resize');
    },
    dispose() {
      term.dispose();
    },
  };
}
