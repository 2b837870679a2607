// The activation passes of the whole-step kernel in wasm SIMD: ReLU and the sigmoid, each with its
// bias and dropout (none, a float mask, or a mask made from random words), over tfjs-backend-wasm's heap.
import {
  type AsmFunction,
  type AsmImport,
  advance,
  endOf,
  F32,
  F64,
  I32,
  op,
  V128,
  whileBelow,
} from '@mnist-lab/wasm';

// Parameters and locals by index (parameters first).
const [OUT, BIAS, MASK, FACTOR, ROWS, N, THRESHOLD, KEEP_VALUE] = [0, 1, 2, 3, 4, 5, 6, 7];
const [END, ROW_END, B, Z, M, ONE, KEEP, WORDS_AT] = [8, 9, 10, 11, 12, 13, 14, 15];

/** How an activation pass gets its dropout mask: none, float32 values, or random words to make them from. */
type MaskKind = 'none' | 'mask' | 'bits';

/**
 * The loop both activation passes share, four floats at a time (`n` a multiple of 4): per row,
 * `z = out + bias` (without `_bias`, `z = out`) into local `Z` and the dropout mask into `M`: 1
 * (no suffix), the floats at `mask` (`_mask`), or made from the 32-bit words at `mask` (`_bits`):
 * `keep` where the word, unsigned, is at least `threshold`, else 0 (`dropoutMask`'s rule in
 * `@mnist-lab/layers`); then `work`, which stores `out` and `factor`; then on to the next four.
 */
function activationPass(
  name: string,
  bias: boolean,
  mask: MaskKind,
  work: number[],
  extraLocals = 0,
): AsmFunction {
  const z = [...op.get(OUT), ...op.load, ...(bias ? [...op.get(B), ...op.load, ...op.f32Add] : [])];
  const words = [...op.get(MASK), ...op.load, ...op.get(WORDS_AT), ...op.i32GeU];
  const loadMask = {
    none: [...op.get(ONE), ...op.set(M)],
    mask: [...op.get(MASK), ...op.load, ...op.set(M)],
    bits: [...op.get(KEEP), ...words, ...op.and, ...op.set(M)],
  }[mask];
  const inner = [
    ...[...z, ...op.set(Z), ...loadMask, ...work],
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
    name: `${name}${bias ? '_bias' : ''}${mask === 'none' ? '' : `_${mask}`}`,
    params: [I32, I32, I32, I32, I32, I32, I32, F32],
    locals: [I32, I32, I32, ...new Array<number>(5 + extraLocals).fill(V128)],
    body: [
      ...endOf(OUT, ROWS, N, END, 4),
      ...[...op.f32Const(1), ...op.f32Splat, ...op.set(ONE)],
      ...[...op.get(KEEP_VALUE), ...op.f32Splat, ...op.set(KEEP)],
      ...[...op.get(THRESHOLD), ...op.i32Splat, ...op.set(WORDS_AT)],
      ...whileBelow(OUT, END, row),
    ],
  };
}

/**
 * `relu[_bias][_mask|_bits](out, bias, mask, factor, rows, n, threshold, keep)`:
 * `out ← max(z, 0)·m` and `factor ← m` where `z > 0`, else 0 (see {@link activationPass}).
 */
function relu(bias: boolean, mask: MaskKind): AsmFunction {
  const positive = [...op.get(OUT), ...op.get(Z), ...op.zero, ...op.f32Max];
  return activationPass('relu', bias, mask, [
    ...(mask === 'none' ? positive : [...positive, ...op.get(M), ...op.f32Mul]),
    ...op.store,
    ...[...op.get(FACTOR), ...op.get(M), ...op.get(Z), ...op.zero, ...op.f32Gt, ...op.and],
    ...op.store,
  ]);
}

// The sigmoid's extra locals (v128): -z's low and high lanes in float64, their sigmoids, temporaries.
const [XL, XH, SL, SH, T, K, P, KB, T2, T4] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
/** Added and subtracted, rounds a float64 under 2⁵¹ to an integer (to nearest, ties to even). */
const ROUNDER = 1.5 * 2 ** 52;

/** The one function the sigmoid imports: `Math.exp`, index 0. */
export const IMPORTS: readonly AsmImport[] = [{ name: 'exp', params: [F64], results: [F64] }];
const EXP = 0;

/**
 * How far (relative) the float64 sigmoid below may be from `1 / (1 + Math.exp(x))` computed in
 * JavaScript: the polynomial's error (≤ 2⁻⁴⁶: the Taylor remainder x¹²/12! on |x| ≤ ln 2 / 2, and
 * its roundings), `Math.exp`'s (< 1 ulp, 2⁻⁵²) and one rounding each of the sum and the quotient,
 * with a wide margin.
 */
const MARGIN = 2 ** -40;

/**
 * `s ← 1 / (1 + eˣ)` for two float64 lanes (local `x` into local `s`), within `MARGIN` (relative) of
 * JavaScript's `1 / (1 + Math.exp(x))`: eˣ by Cody–Waite range reduction (x = k·ln 2 + r,
 * |r| ≤ ln 2 / 2) and a degree-11 Taylor polynomial, 2ᵏ from its bits. x is clamped to [-50, 120]
 * for the polynomial: below, 1 + eˣ is 1 in float64; above, s is under half the smallest float32.
 * k is rounded by adding and subtracting 1.5·2⁵² (round to nearest even, as `f64x2.nearest`),
 * and that sum's bits are `0x4338…` + k, so `(bits + 1023) << 52` is 2ᵏ's. The polynomial is
 * summed by Estrin's scheme (pairs `c₂ᵢ + c₂ᵢ₊₁·r`, then pairs of those with r², r⁴, r⁸): a chain of
 * ~8 dependent operations where Horner's is 22 (the sigmoid pass 7.0 → 4.1 ns a value on an AMD EPYC
 * with the two changes above); its roundings add a few 2⁻⁵³, far inside the margin.
 */
function sigmoid64(x: number, s: number): number[] {
  const clamp = [
    ...[...op.get(x), ...op.f64x2Const(120), ...op.f64Pmin],
    ...[...op.f64x2Const(-50), ...op.f64Pmax, ...op.set(T)],
  ];
  const reduce = [
    ...[...op.get(T), ...op.f64x2Const(Math.LOG2E), ...op.f64Mul],
    ...[...op.f64x2Const(ROUNDER), ...op.f64Add, ...op.tee(KB)],
    ...[...op.f64x2Const(ROUNDER), ...op.f64Sub, ...op.set(K)],
    // fdlibm's ln 2 in two parts: k·hi is exact for |k| < 2²⁰.
    ...[...op.get(T), ...op.get(K), ...op.f64x2Const(0.6931471803691238), ...op.f64Mul],
    ...[...op.f64Sub, ...op.get(K), ...op.f64x2Const(1.9082149292705877e-10), ...op.f64Mul],
    ...[...op.f64Sub, ...op.set(T)],
  ];
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const c = (i: number) => op.f64x2Const(1 / factorial(i));
  const pair = (i: number) => [...c(i), ...op.get(T), ...c(i + 1), ...op.f64Mul, ...op.f64Add];
  const times = (power: number) => [...op.get(power), ...op.f64Mul];
  const estrin = [
    ...[...op.get(T), ...op.get(T), ...op.f64Mul, ...op.tee(T2), ...times(T2), ...op.set(T4)],
    ...[...pair(0), ...pair(2), ...times(T2), ...op.f64Add],
    ...[...pair(4), ...pair(6), ...times(T2), ...op.f64Add, ...times(T4), ...op.f64Add],
    ...[...pair(8), ...pair(10), ...times(T2), ...op.f64Add, ...times(T4), ...times(T4)],
    ...[...op.f64Add, ...op.set(P)],
  ];
  const twoToK = [
    ...op.get(KB),
    ...op.i64x2Const(1023n),
    ...op.i64Add,
    ...op.i32(52),
    ...op.i64Shl,
  ];
  const quotient = [
    ...[...op.f64x2Const(1), ...op.f64x2Const(1), ...op.get(P), ...twoToK, ...op.f64Mul],
    ...[...op.f64Add, ...op.f64Div, ...op.set(s)],
  ];
  return [...clamp, ...reduce, ...estrin, ...quotient];
}

/**
 * The four sigmoids in `SL` and `SH` (of `XL` and `XH`) rounded to float32 exactly as JavaScript's
 * `Math.fround(1 / (1 + Math.exp(x)))`: where some `s·(1 − MARGIN)` and `s·(1 + MARGIN)` round to
 * different floats the result could differ from JavaScript's, so all four are computed again with
 * the imported `Math.exp` itself (about one value in 15 000; NaN rounds alike both ways and passes).
 */
function exactlyRounded(): number[] {
  const rounded = (by: number) => [
    ...[...op.get(SL), ...op.f64x2Const(by), ...op.f64Mul, ...op.f32DemoteZero],
    ...[...op.get(SH), ...op.f64x2Const(by), ...op.f64Mul, ...op.f32DemoteZero],
    ...op.shuffle(LOW_HALVES),
  ];
  const exactLane = (x: number, lane: number) => [
    ...[...op.f64Const(1), ...op.f64Const(1), ...op.get(x), ...op.f64ExtractLane(lane)],
    ...[...op.call(EXP), ...op.f64AddScalar, ...op.f64DivScalar],
  ];
  const exact = (x: number, s: number) => [
    ...[
      ...exactLane(x, 0),
      ...op.f64Splat,
      ...exactLane(x, 1),
      ...op.f64ReplaceLane(1),
      ...op.set(s),
    ],
  ];
  return [
    ...[...rounded(1 - MARGIN), ...rounded(1 + MARGIN), ...op.i32Eq, ...op.i32AllTrue],
    ...[...op.i32Eqz, ...op.if, ...exact(XL, SL), ...exact(XH, SH), ...op.end],
  ];
}

/** Bytes 0–7 of `a`, then bytes 0–7 of `b`. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
/** Bytes 8–15 of `a`, twice. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * `sigmoid[_bias][_mask|_bits]`: as {@link relu}, with `a = σ(z)`: `out ← a·m`,
 * `factor ← m·(a·(1 − a))`, each rounded to float32 as the JavaScript pass (`activate`) rounds,
 * σ bit for bit as `Math.fround(1 / (1 + Math.exp(-z)))` (see {@link sigmoid64}).
 */
function sigmoid(bias: boolean, mask: MaskKind): AsmFunction {
  return activationPass(
    'sigmoid',
    bias,
    mask,
    [
      ...[...op.get(Z), ...op.f64PromoteLow, ...op.f64Neg, ...op.set(XL)],
      ...[...op.get(Z), ...op.get(Z), ...op.shuffle(HIGH_HALF), ...op.f64PromoteLow, ...op.f64Neg],
      ...op.set(XH),
      ...sigmoid64(XL, SL),
      ...sigmoid64(XH, SH),
      ...exactlyRounded(),
      // a (4 floats) into Z: Z is done with.
      ...[...op.get(SL), ...op.f32DemoteZero, ...op.get(SH), ...op.f32DemoteZero],
      ...[...op.shuffle(LOW_HALVES), ...op.set(Z)],
      ...[...op.get(OUT), ...op.get(Z), ...op.get(M), ...op.f32Mul, ...op.store],
      ...[...op.get(FACTOR), ...op.get(M), ...op.get(Z), ...op.get(ONE), ...op.get(Z)],
      ...[...op.f32Sub, ...op.f32Mul, ...op.f32Mul, ...op.store],
    ],
    10,
  );
}

const MASK_KINDS: readonly MaskKind[] = ['none', 'mask', 'bits'];
/** The ReLU variants: bias off/on for each mask kind, in that order. */
export const RELUS = MASK_KINDS.flatMap((mask) => [relu(false, mask), relu(true, mask)]);
/** The sigmoid variants, in the same order. */
export const SIGMOIDS = MASK_KINDS.flatMap((mask) => [sigmoid(false, mask), sigmoid(true, mask)]);
