import { describe, expect, it } from 'vitest';
import { toLogLines } from '../../../web/log-lines.js';

describe('log lines', () => {
  it('splits on newlines, keeps streams per piece and marks lines with stderr', () => {
    const r = toLogLines([
      { stream: 'stdout', text: 'one\ntw' },
      { stream: 'stderr', text: 'o!\nthree\n' },
      { stream: 'stdout', text: '\nfour' },
    ]);
    expect(r.open).toBe(true);
    expect(r.lines).toEqual([
      { pieces: [{ stream: 'stdout', text: 'one' }], stderr: false },
      { pieces: [{ stream: 'stdout', text: 'tw' }, { stream: 'stderr', text: 'o!' }], stderr: true },
      { pieces: [{ stream: 'stderr', text: 'three' }], stderr: true },
      { pieces: [], stderr: false },
      { pieces: [{ stream: 'stdout', text: 'four' }], stderr: false },
    ]);
  });

  it('a trailing newline closes the last line; nothing gives no lines', () => {
    expect(toLogLines([{ stream: 'stdout', text: 'a\n' }])).toEqual({ lines: [{ pieces: [{ stream: 'stdout', text: 'a' }], stderr: false }], open: false });
    expect(toLogLines([])).toEqual({ lines: [], open: false });
  });
});
