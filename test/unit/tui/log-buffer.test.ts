import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogBuffer } from '../../../tui/log-buffer.js';

const texts = (b: ReturnType<typeof createLogBuffer>) => b.slice(b.firstSeq, b.size).map((l) => `${l.kind === 'stderr' ? 'E' : l.kind === 'info' ? 'I' : 'O'}:${l.text}`);

describe('log ring buffer', () => {
  it('splits chunks into lines and joins a line split across chunks', () => {
    const b = createLogBuffer();
    b.append('stdout', 'one\ntw');
    b.append('stdout', 'o\nthree\n');
    b.append('stdout', 'four');
    expect(texts(b)).toEqual(['O:one', 'O:two', 'O:three', 'O:four']);
  });
  it('keeps stderr separate and flagged', () => {
    const b = createLogBuffer();
    b.append('stdout', 'partial');
    b.append('stderr', 'oops\n');
    b.append('stdout', 'more\r\n');
    expect(texts(b)).toEqual(['O:partial', 'E:oops', 'O:more']);
  });
  it('holds at most capacity lines, dropping the oldest, with stable sequence numbers', () => {
    const b = createLogBuffer({ capacity: 3 });
    for (let i = 0; i < 10; i++) b.append('stdout', `l${i}\n`);
    expect(b.size).toBe(3);
    expect(b.firstSeq).toBe(7);
    expect(b.endSeq).toBe(10);
    expect(b.slice(8, 5).map((l) => l.text)).toEqual(['l8', 'l9']);
    expect(b.slice(0, 2).map((l) => l.text)).toEqual(['l7', 'l8']);
  });
  it('cuts very long lines', () => {
    const b = createLogBuffer({ maxLineLength: 10 });
    b.append('stdout', 'x'.repeat(50));
    b.append('stdout', 'y'.repeat(50) + '\n');
    expect(texts(b)).toEqual(['O:' + 'x'.repeat(10)]);
  });
  it('finds lines forwards and backwards, case-insensitively', () => {
    const b = createLogBuffer();
    b.append('stdout', 'alpha\nBeta\ngamma\nbeta two\n');
    expect(b.find('beta', 0, 1)).toBe(1);
    expect(b.find('beta', 2, 1)).toBe(3);
    expect(b.find('beta', 3, -1)).toBe(3);
    expect(b.find('beta', 2, -1)).toBe(1);
    expect(b.find('zzz', 0, 1)).toBeUndefined();
  });
  it('info lines end an open line', () => {
    const b = createLogBuffer();
    b.append('stdout', 'half');
    b.info('── end of output ──');
    b.append('stdout', 'next');
    expect(texts(b)).toEqual(['O:half', 'I:── end of output ──', 'O:next']);
  });
  it('property: any chunking of the same output gives the same lines', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-c\n]{0,12}$/), { maxLength: 20 }), (chunks) => {
        const whole = createLogBuffer();
        whole.append('stdout', chunks.join(''));
        const parts = createLogBuffer();
        for (const c of chunks) parts.append('stdout', c);
        expect(texts(parts)).toEqual(texts(whole));
      }),
    );
  });
});

