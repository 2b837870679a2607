// LEB128, the variable-length integers of WebAssembly's binary format: 7 bits a byte, low bits first,
// the top bit set on every byte but the last.

/**
 * A non-negative integer as unsigned LEB128: wasm's lengths, counts, indices and offsets (numbers
 * below 2³²), and protocol buffers' varints (any size, as a `bigint`).
 */
export function uleb(value: number | bigint): number[] {
  if (typeof value === 'bigint' || value >= 2 ** 32) return ulebBig(BigInt(value));
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

function ulebBig(value: bigint): number[] {
  if (value < 0n) throw new RangeError(`uleb: ${value} is negative`);
  const out: number[] = [];
  let v = value;
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return out;
}
