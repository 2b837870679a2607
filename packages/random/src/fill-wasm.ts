// xoshiro128**'s words in WebAssembly: the same integer arithmetic as `Rng.fillUint32`'s loop, about
// twice as fast (V8 keeps the four state words in registers; the JavaScript loop pays for its typed
// array's bounds and for deoptimizations). The dropout of mnist-lab's lesson draws 24 576 words a
// training step, ~30–90 µs in JavaScript, ~16 µs here (an AMD EPYC, Node 20). A small hand-written
// module with its own memory (written with `@mnist-lab/wasm`): the words are made there and copied out.
import {
  advance,
  assemble,
  endAfter,
  I32,
  instantiateOwn,
  once,
  op,
  whileBelow,
} from '@mnist-lab/wasm';

// fill(at, n, s0, s1, s2, s3): parameters 0–5; locals: end (6) and t (7).
const [AT, N, S0, S1, S2, S3, END, T] = [0, 1, 2, 3, 4, 5, 6, 7];
const { get, set, i32, i32Mul, i32Xor, i32Shl, i32Rotl } = op;
const xorInto = (a: number, b: number) => [...get(a), ...get(b), ...i32Xor, ...set(a)];

/** One word at `at + offset`: `rotl(s1·5, 7)·9`, then the state's step (as `Rng.nextUint32`). */
const word = (offset: number) => [
  ...[...get(AT), ...get(S1), ...i32(5), ...i32Mul, ...i32(7), ...i32Rotl, ...i32(9), ...i32Mul],
  ...op.i32StoreAt(offset),
  ...[...get(S1), ...i32(9), ...i32Shl, ...set(T)],
  ...[...xorInto(S2, S0), ...xorInto(S3, S1), ...xorInto(S1, S2), ...xorInto(S0, S3)],
  ...[...xorInto(S2, T), ...get(S3), ...i32(11), ...i32Rotl, ...set(S3)],
];

/** Four words at a time (`n` a multiple of 4), then the state into bytes 0–15. */
const FILL = {
  name: 'fill',
  params: [I32, I32, I32, I32, I32, I32],
  locals: [I32, I32],
  body: [
    ...endAfter(AT, N, END, 4),
    ...whileBelow(AT, END, [...word(0), ...word(4), ...word(8), ...word(12), ...advance(AT, 16)]),
    ...[S0, S1, S2, S3].flatMap((s, i) => [...i32(0), ...get(s), ...op.i32StoreAt(4 * i)]),
  ],
};

/** Two pages: the state, then up to CHUNK words. */
const MODULE = assemble([FILL], { own: 2 });

/** Words made per call: 64 KiB, after the state's 16 bytes (rounded up to 64). */
const CHUNK = 16_384;
const WORDS_AT = 64;

/**
 * Fills `out`'s whole groups of four words from `state` (four int32 words, updated in place) in
 * WebAssembly; returns how many words it filled (the last `out.length % 4` are the caller's).
 */
export type WasmFill = (state: Int32Array, out: Uint32Array) => number;

function instantiate(): WasmFill | undefined {
  const exports = instantiateOwn(MODULE);
  if (exports === undefined) return undefined;
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

/**
 * The WebAssembly fill, made on first use, or `undefined` where the engine has no WebAssembly or
 * refuses the module; the caller then keeps its JavaScript loop.
 */
export const wasmFill: () => WasmFill | undefined = once(instantiate);
