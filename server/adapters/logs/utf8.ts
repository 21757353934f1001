// UTF-8 helpers for captured output. Bytes are stored as they came; these only decide where a chunk
// may be cut.

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

/** Start of the character that contains buf[i] (steps back over at most 3 continuation bytes). */
export function charStart(buf: Uint8Array, i: number): number {
  let j = i;
  while (j > 0 && i - j < 3 && (buf[j]! & 0xc0) === 0x80) j--;
  return (buf[j]! & 0xc0) === 0xc0 ? j : i;
}
