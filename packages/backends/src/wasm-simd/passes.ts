// The whole-step kernel's element-wise passes in wasm SIMD, on tfjs-backend-wasm's own memory: a
// JavaScript loop over the heap costs 2–4 ns per element here, about 0.3 ms of a lesson step.
import {
  type AsmFunction,
  advance,
  assemble,
  boundToMemory,
  endOf,
  I32,
  instantiateOn,
  op,
  whileBelow,
} from '@mnist-lab/wasm';
import { IMPORTS, RELUS, SIGMOIDS } from './activations';
import { NORM_FUNCTIONS, normPasses, type SimdNormPasses } from './norm';

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

/** Dropout made from random words: `keep` (float32) where a word is at least `threshold` (unsigned). */
export interface WordMask {
  readonly threshold: number;
  readonly keep: number;
}

/**
 * An activation after a product, with the bias and dropout mask when given (0 for none); with
 * `words`, `mask` points to the random words the mask is made of.
 */
export type ActivationPass = (
  out: number,
  bias: number,
  mask: number,
  factor: number,
  rows: number,
  n: number,
  words?: WordMask,
) => void;

/** The passes bound to one memory; every pointer is a byte offset into it. */
export interface SimdPasses extends SimdNormPasses {
  relu: ActivationPass;
  /** The same results as the JavaScript pass (`activate`), bit for bit. */
  sigmoid: ActivationPass;
  mul(g: number, f: number, n: number): void;
  colsum(src: number, sums: number, rows: number, n: number): void;
}

type Fn = (...args: number[]) => void;

/**
 * The passes on `memory` (tfjs-backend-wasm's, plain or shared), or `undefined` where this engine
 * has no wasm SIMD or the memory cannot be imported: the kernel then keeps its JavaScript loops.
 * `exp` is the sigmoid's exact fallback: `Math.exp` (a test counts its calls).
 */
export function simdPasses(
  memory: WebAssembly.Memory | undefined,
  exp: (x: number) => number = Math.exp,
): SimdPasses | undefined {
  const exports = instantiateOn(
    memory,
    (shared) =>
      assemble(
        [...RELUS, ...SIGMOIDS, MUL, COLSUM, ...NORM_FUNCTIONS],
        { import: 'env.memory', shared },
        IMPORTS,
      ),
    { exp },
  ) as Record<string, Fn> | undefined;
  if (exports === undefined) return undefined;
  const pass = (functions: readonly AsmFunction[]) => {
    const variants = functions.map((f) => exports[f.name] as Fn);
    return (...[out, bias, mask, factor, rows, n, words]: Parameters<ActivationPass>) => {
      const kind = mask === 0 ? 0 : words === undefined ? 1 : 2;
      const f = variants[2 * kind + (bias === 0 ? 0 : 1)] as Fn;
      f(out, bias, mask, factor, rows, n, (words?.threshold ?? 0) | 0, words?.keep ?? 1);
    };
  };
  return {
    ...normPasses(exports),
    relu: pass(RELUS),
    sigmoid: pass(SIGMOIDS),
    mul: exports.mul as Fn,
    colsum: exports.colsum as Fn,
  };
}

/** `simdPasses` for whichever memory a backend has now: bound once, and again for a new memory. */
export const simdPassesFor = () => boundToMemory(simdPasses);
