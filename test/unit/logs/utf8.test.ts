import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { charStart, completeUtf8Length } from '../../../server/adapters/logs/utf8.js';

const b = (...bytes: number[]) => Buffer.from(bytes);

describe('completeUtf8Length', () => {
  it('keeps ASCII and complete characters whole', () => {
    expect(completeUtf8Length(Buffer.from('abc'))).toBe(3);
    expect(completeUtf8Length(Buffer.from('aé€😀'))).toBe(Buffer.byteLength('aé€😀'));
  });
  it('holds back an incomplete character at the end', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    expect(completeUtf8Length(Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]))).toBe(1);
    expect(completeUtf8Length(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]))).toBe(1);
    const emoji = Buffer.from('😀');
    expect(completeUtf8Length(emoji.subarray(0, 3))).toBe(0);
  });
  it('does not hold invalid bytes', () => {
    expect(completeUtf8Length(b(0x61, 0xff))).toBe(2);
    expect(completeUtf8Length(b(0x80, 0x80, 0x80, 0x80))).toBe(4);
  });
  it('splitting anywhere and re-joining with the carry never changes the decoded text of valid UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), (s, k) => {
        const buf = Buffer.from(s);
        const cut = buf.length === 0 ? 0 : k % buf.length;
        const first = buf.subarray(0, cut);
        const n = completeUtf8Length(first);
        const parts = [first.subarray(0, n), Buffer.concat([first.subarray(n), buf.subarray(cut)])];
        expect(parts.map((p) => p.toString('utf8')).join('')).toBe(s);
      }),
    );
  });
});

describe('charStart', () => {
  it('moves a cut back to the start of the character it falls in', () => {
    const buf = Buffer.from('a€b'); // 61 e2 82 ac 62
    expect(charStart(buf, 2)).toBe(1);
    expect(charStart(buf, 3)).toBe(1);
    expect(charStart(buf, 4)).toBe(4);
    expect(charStart(buf, 1)).toBe(1);
  });
});
