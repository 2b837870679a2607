// Batch norm's passes of the whole-step kernel in wasm SIMD (see `kernels/mlp-step/norm.ts` for the same
// passes in JavaScript, whose float64 arithmetic and roundings these repeat exactly): two features
// at a time, their float32 values widened to float64 lanes.
import { type AsmFunction, advance, endOf, F64, I32, op, V128, whileBelow } from '@mnist-lab/wasm';

/** Two floats at `pointer` as two float64 lanes. */
const pair = (pointer: number) => [...op.get(pointer), ...op.load64Zero, ...op.f64PromoteLow];

/** `local = base + n·bytes`. */
const offsetBy = (base: number, n: number, bytes: number, local: number) => [
  ...op.get(base),
  ...op.get(n),
  ...op.i32(Math.log2(bytes)),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(local),
];

/** Zeros `count` × `bytes` bytes from `from` (a multiple of 16 in all), using `p` and `end` as locals. */
const zero = (from: number, count: number, bytes: number, p: number, end: number) => [
  ...[...op.get(from), ...op.set(p)],
  ...offsetBy(from, count, bytes, end),
  ...whileBelow(p, end, [...op.get(p), ...op.zero, ...op.store, ...advance(p, 16)]),
];

/** `add_rows(out, bias, rows, n)`: `out ← out + bias` per row, in float32 (`n` a multiple of 4). */
const ADD_ROWS: AsmFunction = (() => {
  const [OUT, BIAS, ROWS, N, END, RE, B] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'add_rows',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32],
    body: [
      ...endOf(OUT, ROWS, N, END, 4),
      ...whileBelow(OUT, END, [
        ...offsetBy(OUT, N, 4, RE),
        ...[...op.get(BIAS), ...op.set(B)],
        ...whileBelow(OUT, RE, [
          ...[...op.get(OUT), ...op.get(OUT), ...op.load, ...op.get(B), ...op.load, ...op.f32Add],
          ...op.store,
          ...advance(OUT, 16),
          ...advance(B, 16),
        ]),
      ]),
    ],
  };
})();

/** `sqdev(src, mean, sums, rows, n)`: `sums[j] = Σ_rows (src − mean[j])²` in float64. */
const SQDEV: AsmFunction = (() => {
  const [SRC, MEAN, SUMS, ROWS, N, END, P, M, RE, SE, D] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    name: 'sqdev',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128],
    body: [
      ...zero(SUMS, N, 8, P, SE),
      ...endOf(SRC, ROWS, N, END, 4),
      ...whileBelow(SRC, END, [
        ...[...op.get(SUMS), ...op.set(P), ...op.get(MEAN), ...op.set(M)],
        ...offsetBy(SRC, N, 4, RE),
        ...whileBelow(SRC, RE, [
          ...[...pair(SRC), ...pair(M), ...op.f64Sub, ...op.set(D)],
          ...[...op.get(P), ...op.get(P), ...op.load, ...op.get(D), ...op.get(D), ...op.f64Mul],
          ...[...op.f64Add, ...op.store],
          ...[...advance(SRC, 8), ...advance(M, 8), ...advance(P, 16)],
        ]),
      ]),
    ],
  };
})();

/**
 * `normalize(out, mean, invStd, gamma, beta, xHat, rows, n)`:
 * `x̂ = fl((out − mean)·invStd)` into `xHat`, and `out ← fl(γ·x̂ + β)`, each in float64.
 */
const NORMALIZE: AsmFunction = (() => {
  const [OUT, MEAN, INV, GAMMA, BETA, XHAT, ROWS, N] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [END, RE, M, I, G, B, H] = [8, 9, 10, 11, 12, 13, 14];
  return {
    name: 'normalize',
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, V128],
    body: [
      ...endOf(OUT, ROWS, N, END, 4),
      ...whileBelow(OUT, END, [
        ...[...op.get(MEAN), ...op.set(M), ...op.get(INV), ...op.set(I)],
        ...[...op.get(GAMMA), ...op.set(G), ...op.get(BETA), ...op.set(B)],
        ...offsetBy(OUT, N, 4, RE),
        ...whileBelow(OUT, RE, [
          ...[...pair(OUT), ...pair(M), ...op.f64Sub, ...pair(I), ...op.f64Mul],
          ...[...op.f32DemoteZero, ...op.set(H)],
          ...[...op.get(XHAT), ...op.get(H), ...op.store64Low],
          ...[...op.get(OUT), ...pair(G), ...op.get(H), ...op.f64PromoteLow, ...op.f64Mul],
          ...[...pair(B), ...op.f64Add, ...op.f32DemoteZero, ...op.store64Low],
          ...[...advance(OUT, 8), ...advance(XHAT, 8), ...advance(M, 8), ...advance(I, 8)],
          ...[...advance(G, 8), ...advance(B, 8)],
        ]),
      ]),
    ],
  };
})();

/** `dsums(dy, xHat, sums, rows, n)`: `sums[j] = Σ dy`, `sums[n + j] = Σ dy·x̂`, in float64. */
const DSUMS: AsmFunction = (() => {
  const [DY, XHAT, SUMS, ROWS, N, END, P, Q, RE, SE, V] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    name: 'dsums',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128],
    body: [
      ...zero(SUMS, N, 16, P, SE), // 2n float64 sums
      ...endOf(DY, ROWS, N, END, 4),
      ...whileBelow(DY, END, [
        ...[...op.get(SUMS), ...op.set(P)],
        ...offsetBy(SUMS, N, 8, Q),
        ...offsetBy(DY, N, 4, RE),
        ...whileBelow(DY, RE, [
          ...[...pair(DY), ...op.set(V)],
          ...[...op.get(P), ...op.get(P), ...op.load, ...op.get(V), ...op.f64Add, ...op.store],
          ...[...op.get(Q), ...op.get(Q), ...op.load, ...op.get(V), ...pair(XHAT), ...op.f64Mul],
          ...[...op.f64Add, ...op.store],
          ...[...advance(DY, 8), ...advance(XHAT, 8), ...advance(P, 16), ...advance(Q, 16)],
        ]),
      ]),
    ],
  };
})();

/**
 * `normgrad(dy, xHat, scale, sums, rows, n, batch)`: in place,
 * `dy ← fl(scale[j]·((batch·dy − sums[j]) − x̂·sums[n + j]))`, in float64.
 */
const NORMGRAD: AsmFunction = (() => {
  const [DY, XHAT, SCALE, SUMS, ROWS, N, BATCH] = [0, 1, 2, 3, 4, 5, 6];
  const [END, P, S1, S2, RE, K] = [7, 8, 9, 10, 11, 12];
  return {
    name: 'normgrad',
    params: [I32, I32, I32, I32, I32, I32, F64],
    locals: [I32, I32, I32, I32, I32, V128],
    body: [
      ...[...op.get(BATCH), ...op.f64Splat, ...op.set(K)],
      ...endOf(DY, ROWS, N, END, 4),
      ...whileBelow(DY, END, [
        ...[...op.get(SCALE), ...op.set(P), ...op.get(SUMS), ...op.set(S1)],
        ...offsetBy(SUMS, N, 8, S2),
        ...offsetBy(DY, N, 4, RE),
        ...whileBelow(DY, RE, [
          ...[...op.get(DY), ...op.get(P), ...op.load],
          ...[...op.get(K), ...pair(DY), ...op.f64Mul, ...op.get(S1), ...op.load, ...op.f64Sub],
          ...[...pair(XHAT), ...op.get(S2), ...op.load, ...op.f64Mul, ...op.f64Sub],
          ...[...op.f64Mul, ...op.f32DemoteZero, ...op.store64Low],
          ...[...advance(DY, 8), ...advance(XHAT, 8), ...advance(P, 16)],
          ...[...advance(S1, 16), ...advance(S2, 16)],
        ]),
      ]),
    ],
  };
})();

/** Batch norm's functions, for the passes' module. */
export const NORM_FUNCTIONS: readonly AsmFunction[] = [ADD_ROWS, SQDEV, NORMALIZE, DSUMS, NORMGRAD];

/** Batch norm's passes bound to a memory (byte offsets; `n` even, a multiple of 4 for `addRows`). */
export interface SimdNormPasses {
  addRows(out: number, bias: number, rows: number, n: number): void;
  sqdev(src: number, mean: number, sums: number, rows: number, n: number): void;
  normalize(
    out: number,
    mean: number,
    invStd: number,
    gamma: number,
    beta: number,
    xHat: number,
    rows: number,
    n: number,
  ): void;
  dsums(dy: number, xHat: number, sums: number, rows: number, n: number): void;
  normgrad(
    dy: number,
    xHat: number,
    scale: number,
    sums: number,
    rows: number,
    n: number,
    batch: number,
  ): void;
}

type Fn = (...args: number[]) => void;

/** The norm passes among a module instance's exports. */
export function normPasses(exports: Record<string, Fn>): SimdNormPasses {
  return {
    addRows: exports.add_rows as Fn,
    sqdev: exports.sqdev as Fn,
    normalize: exports.normalize as Fn,
    dsums: exports.dsums as Fn,
    normgrad: exports.normgrad as Fn,
  };
}
