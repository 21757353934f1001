// UTF-8 helpers for captured output. Bytes are stored as they came; these only decide where a chunk
// may be cut and how long Docker's json-file copy of some bytes is (for exact resume).
import { isUtf8 } from 'node:buffer';

/** Number of bytes a UTF-8 sequence starting with `lead` claims, or 1 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Length of the prefix of `buf` that does not end inside an incomplete multi-byte sequence. The rest
 * (at most 3 bytes) can be held back until more bytes of the same stream arrive. */
export function completeUtf8Length(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    return sequenceLength(b) > back ? n - back : n;
  }
  return n;
}

/** Byte length of a valid rune at buf[i] by Go's unicode/utf8 rules, or 0 when it is not valid. */
function goRuneLength(buf: Uint8Array, i: number): number {
  const b0 = buf[i]!;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = buf[i + j];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 >= 0xe1 && b0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** How many bytes these bytes occupy in Docker's json-file log: Go's JSON encoder replaces every
 * byte that is not part of a valid rune with U+FFFD (3 bytes). Used to skip exactly what is stored. */
export function dockerJsonLength(buf: Uint8Array): number {
  if (isUtf8(buf)) return buf.length;
  let total = 0;
  for (let i = 0; i < buf.length; ) {
    const size = goRuneLength(buf, i);
    if (size === 0) {
      total += 3;
      i += 1;
    } else {
      total += size;
      i += size;
    }
  }
  return total;
}

/** Start of the character that contains buf[i] (steps back over at most 3 continuation bytes). */
export function charStart(buf: Uint8Array, i: number): number {
  let j = i;
  while (j > 0 && i - j < 3 && (buf[j]! & 0xc0) === 0x80) j--;
  return (buf[j]! & 0xc0) === 0xc0 ? j : i;
}
