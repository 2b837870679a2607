// LEB128, the variable-length integers of WebAssembly's binary format: 7 bits a byte, low bits first,
// the top bit set on every byte but the last.

/** A number in [0, 2³²) as unsigned LEB128 (lengths, counts, indices, offsets). */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** A 32-bit signed integer as signed LEB128 (`i32.const`'s immediate). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}
