// xoshiro128**'s words in WebAssembly: the same integer arithmetic as `Rng.fillUint32`'s loop, about
// twice as fast (V8 keeps the four state words in registers; the JavaScript loop pays for its typed
// array's bounds and for deoptimizations). The dropout of mnist-lab's lesson draws 24 576 words a
// training step, ~30–90 µs in JavaScript, ~16 µs here (an AMD EPYC, Node 20). A small hand-written
// module with its own memory: the words are made there and copied out.

/** A length in the module's sections and bodies (LEB128 of numbers below 2¹⁴). */
function size(n: number): number[] {
  if (n >= 1 << 14) throw new RangeError(`fill-wasm: ${n} bytes is more than this module has`);
  return n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7];
}

const section = (id: number, content: number[]) => [id, ...size(content.length), ...content];
const name = (text: string) => [text.length, ...[...text].map((c) => c.charCodeAt(0))];

// fill(at, n, s0, s1, s2, s3): parameters 0–5; locals: end (6) and t (7).
const [AT, N, S0, S1, S2, S3, END, T] = [0, 1, 2, 3, 4, 5, 6, 7];
const I32 = 0x7f;
const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
/** `i32.const` of a number in [0, 64): one byte of signed LEB128. */
const small = (v: number) => [0x41, v];
const [ADD, MUL, XOR, SHL, ROTL, STORE] = [0x6a, 0x6c, 0x73, 0x74, 0x77, 0x36];
const xorInto = (a: number, b: number) => [...get(a), ...get(b), XOR, ...set(a)];

/** One word at `at + offset`: `rotl(s1·5, 7)·9`, then the state's step (as `Rng.nextUint32`). */
const word = (offset: number) => [
  ...[...get(AT), ...get(S1), ...small(5), MUL, ...small(7), ROTL, ...small(9), MUL],
  ...[STORE, 2, offset],
  ...[...get(S1), ...small(9), SHL, ...set(T)],
  ...[...xorInto(S2, S0), ...xorInto(S3, S1), ...xorInto(S1, S2), ...xorInto(S0, S3)],
  ...[...xorInto(S2, T), ...get(S3), ...small(11), ROTL, ...set(S3)],
];

/** Four words at a time (`n` a multiple of 4), then the state into bytes 0–15. */
const BODY = [
  ...[1, 2, I32],
  ...[...get(AT), ...get(N), ...small(2), SHL, ADD, ...set(END)],
  ...[0x02, 0x40, 0x03, 0x40], // block, loop
  ...[...get(AT), ...get(END), 0x4f, 0x0d, 1], // at >= end (unsigned): break
  ...[...word(0), ...word(4), ...word(8), ...word(12)],
  ...[...get(AT), ...small(16), ADD, ...set(AT), 0x0c, 0, 0x0b, 0x0b], // at += 16; continue
  ...[S0, S1, S2, S3].flatMap((s, i) => [...small(0), ...get(s), STORE, 2, 4 * i]),
  0x0b,
];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0x00, 2]), // two pages: the state, then up to CHUNK words
  ...section(7, [2, ...name('memory'), 0x02, 0, ...name('fill'), 0x00, 0]),
  ...section(10, [1, ...size(BODY.length), ...BODY]),
]);

/** Words made per call: 64 KiB, after the state's 16 bytes (rounded up to 64). */
const CHUNK = 16_384;
const WORDS_AT = 64;

/**
 * Fills `out`'s whole groups of four words from `state` (four int32 words, updated in place) in
 * WebAssembly; returns how many words it filled (the last `out.length % 4` are the caller's).
 */
export type WasmFill = (state: Int32Array, out: Uint32Array) => number;

function instantiate(): WasmFill | undefined {
  if (typeof WebAssembly === 'undefined') return undefined;
  let exports: WebAssembly.Exports;
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports;
  } catch {
    return undefined;
  }
  const fill = exports.fill as (...args: number[]) => void;
  const memory = (exports.memory as WebAssembly.Memory).buffer;
  const saved = new Int32Array(memory, 0, 4);
  const words = new Uint32Array(memory, WORDS_AT, CHUNK);
  return (state, out) => {
    const whole = out.length - (out.length % 4);
    for (let from = 0; from < whole; from += CHUNK) {
      const n = Math.min(CHUNK, whole - from);
      fill(
        WORDS_AT,
        n,
        state[0] as number,
        state[1] as number,
        state[2] as number,
        state[3] as number,
      );
      out.set(words.subarray(0, n), from);
      state.set(saved);
    }
    return whole;
  };
}

let cached: WasmFill | undefined | null = null;

/**
 * The WebAssembly fill, made on first use, or `undefined` where the engine has no WebAssembly or
 * refuses the module; the caller then keeps its JavaScript loop.
 */
export function wasmFill(): WasmFill | undefined {
  if (cached === null) cached = instantiate();
  return cached;
}
