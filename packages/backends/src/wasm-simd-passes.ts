// The whole-step kernel's element-wise passes in wasm SIMD, on tfjs-backend-wasm's own memory: a
// JavaScript loop over the heap costs 2–4 ns per element here, about 0.3 ms of a lesson step.
import { type AsmFunction, advance, assemble, F32, I32, op, V128, whileBelow } from './wasm-asm';
import { NORM_FUNCTIONS, normPasses, type SimdNormPasses } from './wasm-simd-norm';
import { boundToMemory, instantiateOn } from './wasm-simd-update';

// Parameters and locals by index (parameters first).
const [OUT, BIAS, MASK, FACTOR, ROWS, N, THRESHOLD, KEEP_VALUE] = [0, 1, 2, 3, 4, 5, 6, 7];
const [END, ROW_END, B, Z, M, ONE, KEEP, WORDS_AT] = [8, 9, 10, 11, 12, 13, 14, 15];

/** `end = pointer + rows·n·bytes` into local `end`. */
const endOf = (pointer: number, rows: number, n: number, end: number, bytes: number) => [
  ...op.get(pointer),
  ...op.get(rows),
  ...op.get(n),
  ...op.i32Mul,
  ...op.i32(Math.log2(bytes)),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(end),
];

/** How a ReLU pass gets its dropout mask: none, float32 values, or random words to make them from. */
type MaskKind = 'none' | 'mask' | 'bits';

/**
 * `relu[_bias][_mask|_bits](out, bias, mask, factor, rows, n, threshold, keep)`, four floats at a
 * time (`n` a multiple of 4): `z = out + bias` per row (without `_bias`, `z = out`),
 * `out ← max(z, 0)·m` and `factor ← m` where `z > 0`, else 0. The mask `m` is 1 (no suffix), the
 * floats at `mask` (`_mask`), or made from the 32-bit words at `mask` (`_bits`): `keep` where the
 * word, unsigned, is at least `threshold`, else 0 (`dropoutMask`'s rule in `@mnist-lab/layers`).
 */
function relu(bias: boolean, mask: MaskKind): AsmFunction {
  const z = [...op.get(OUT), ...op.load, ...(bias ? [...op.get(B), ...op.load, ...op.f32Add] : [])];
  const words = [...op.get(MASK), ...op.load, ...op.get(WORDS_AT), ...op.i32GeU];
  const loadMask = {
    none: [],
    mask: [...op.get(MASK), ...op.load, ...op.set(M)],
    bits: [...op.get(KEEP), ...words, ...op.and, ...op.set(M)],
  }[mask];
  const keep = mask === 'none' ? op.get(ONE) : op.get(M);
  const positive = [...op.get(OUT), ...op.get(Z), ...op.zero, ...op.f32Max];
  const inner = [
    ...z,
    ...op.set(Z),
    ...loadMask,
    ...(mask === 'none' ? positive : [...positive, ...op.get(M), ...op.f32Mul]),
    ...op.store,
    ...[...op.get(FACTOR), ...keep, ...op.get(Z), ...op.zero, ...op.f32Gt, ...op.and, ...op.store],
    ...advance(OUT, 16),
    ...advance(FACTOR, 16),
    ...(mask === 'none' ? [] : advance(MASK, 16)),
    ...(bias ? advance(B, 16) : []),
  ];
  const row = [
    ...[...op.get(OUT), ...op.get(N), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(ROW_END)],
    ...[...op.get(BIAS), ...op.set(B)],
    ...whileBelow(OUT, ROW_END, inner),
  ];
  return {
    name: `relu${bias ? '_bias' : ''}${mask === 'none' ? '' : `_${mask}`}`,
    params: [I32, I32, I32, I32, I32, I32, I32, F32],
    locals: [I32, I32, I32, V128, V128, V128, V128, V128],
    body: [
      ...endOf(OUT, ROWS, N, END, 4),
      ...[...op.f32Const(1), ...op.f32Splat, ...op.set(ONE)],
      ...[...op.get(KEEP_VALUE), ...op.f32Splat, ...op.set(KEEP)],
      ...[...op.get(THRESHOLD), ...op.i32Splat, ...op.set(WORDS_AT)],
      ...whileBelow(OUT, END, row),
    ],
  };
}

/** `mul(g, f, n)`: `g ← g·f` over `n` floats (a multiple of 4). */
const MUL: AsmFunction = {
  name: 'mul',
  params: [I32, I32, I32],
  locals: [I32],
  body: [
    ...[...op.get(0), ...op.get(2), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(3)],
    ...whileBelow(0, 3, [
      ...[...op.get(0), ...op.get(0), ...op.load, ...op.get(1), ...op.load, ...op.f32Mul],
      ...op.store,
      ...advance(0, 16),
      ...advance(1, 16),
    ]),
  ],
};

/**
 * `colsum(src, sums, rows, n)`: the column sums of `src` (`rows × n` floats, `n` even) into `sums`
 * (`n` float64 values), each column summed in float64 from the first row down, as a JavaScript
 * loop adding float32 values to a float64 sum does.
 */
const COLSUM: AsmFunction = (() => {
  const [SRC, SUMS, R, W, E, P, RE, SE] = [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    name: 'colsum',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32, I32],
    body: [
      ...[...op.get(SUMS), ...op.get(W), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.set(SE)],
      ...[...op.get(SUMS), ...op.set(P)],
      ...whileBelow(P, SE, [...op.get(P), ...op.zero, ...op.store, ...advance(P, 16)]),
      ...endOf(SRC, R, W, E, 4),
      ...whileBelow(SRC, E, [
        ...[...op.get(SUMS), ...op.set(P)],
        ...[...op.get(SRC), ...op.get(W), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(RE)],
        ...whileBelow(SRC, RE, [
          ...[...op.get(P), ...op.get(P), ...op.load],
          ...[...op.get(SRC), ...op.load64Zero, ...op.f64PromoteLow, ...op.f64Add, ...op.store],
          ...advance(SRC, 8),
          ...advance(P, 16),
        ]),
      ]),
    ],
  };
})();

const MASK_KINDS: readonly MaskKind[] = ['none', 'mask', 'bits'];
const FUNCTIONS = MASK_KINDS.flatMap((mask) => [relu(false, mask), relu(true, mask)]);

/** Dropout made from random words: `keep` (float32) where a word is at least `threshold` (unsigned). */
export interface WordMask {
  readonly threshold: number;
  readonly keep: number;
}

/** The passes bound to one memory; every pointer is a byte offset into it. */
export interface SimdPasses extends SimdNormPasses {
  /**
   * ReLU after a product, with the bias and dropout mask when given (0 for none); with `words`,
   * `mask` points to the random words the mask is made of.
   */
  relu(
    out: number,
    bias: number,
    mask: number,
    factor: number,
    rows: number,
    n: number,
    words?: WordMask,
  ): void;
  mul(g: number, f: number, n: number): void;
  colsum(src: number, sums: number, rows: number, n: number): void;
}

type Fn = (...args: number[]) => void;

/**
 * The passes on `memory` (tfjs-backend-wasm's, plain or shared), or `undefined` where this engine
 * has no wasm SIMD or the memory cannot be imported: the kernel then keeps its JavaScript loops.
 */
export function simdPasses(memory: WebAssembly.Memory | undefined): SimdPasses | undefined {
  const exports = instantiateOn(memory, (shared) =>
    assemble([...FUNCTIONS, MUL, COLSUM, ...NORM_FUNCTIONS], shared),
  ) as Record<string, Fn> | undefined;
  if (exports === undefined) return undefined;
  const variants = FUNCTIONS.map((f) => exports[f.name] as Fn);
  return {
    ...normPasses(exports),
    relu: (out, bias, mask, factor, rows, n, words) => {
      const kind = mask === 0 ? 0 : words === undefined ? 1 : 2;
      const f = variants[2 * kind + (bias === 0 ? 0 : 1)] as Fn;
      f(out, bias, mask, factor, rows, n, (words?.threshold ?? 0) | 0, words?.keep ?? 1);
    },
    mul: exports.mul as Fn,
    colsum: exports.colsum as Fn,
  };
}

/** `simdPasses` for whichever memory a backend has now: bound once, and again for a new memory. */
export const simdPassesFor = () => boundToMemory(simdPasses);
