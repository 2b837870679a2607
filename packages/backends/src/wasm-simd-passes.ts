// The whole-step kernel's element-wise passes in wasm SIMD, on tfjs-backend-wasm's own memory: a
// JavaScript loop over the heap costs 2–4 ns per element here, about 0.3 ms of a lesson step.
import { type AsmFunction, advance, assemble, I32, op, V128, whileBelow } from './wasm-asm';

// Parameters and locals by index (parameters first).
const [OUT, BIAS, MASK, FACTOR, ROWS, N, END, ROW_END, B, Z, M, ONE] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
];

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

/**
 * `relu[_bias][_mask](out, bias, mask, factor, rows, n)`, four floats at a time (`n` a multiple of
 * 4): `z = out + bias` per row (without `_bias`, `z = out`), `out ← max(z, 0)·mask` and
 * `factor ← mask` where `z > 0`, else 0 (without `_mask`, the mask is 1).
 */
function relu(bias: boolean, mask: boolean): AsmFunction {
  const z = [...op.get(OUT), ...op.load, ...(bias ? [...op.get(B), ...op.load, ...op.f32Add] : [])];
  const keep = mask ? op.get(M) : op.get(ONE);
  const positive = [...op.get(OUT), ...op.get(Z), ...op.zero, ...op.f32Max];
  const inner = [
    ...z,
    ...op.set(Z),
    ...(mask ? [...op.get(MASK), ...op.load, ...op.set(M)] : []),
    ...(mask ? [...positive, ...op.get(M), ...op.f32Mul] : positive),
    ...op.store,
    ...[...op.get(FACTOR), ...keep, ...op.get(Z), ...op.zero, ...op.f32Gt, ...op.and, ...op.store],
    ...advance(OUT, 16),
    ...advance(FACTOR, 16),
    ...(mask ? advance(MASK, 16) : []),
    ...(bias ? advance(B, 16) : []),
  ];
  const row = [
    ...[...op.get(OUT), ...op.get(N), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(ROW_END)],
    ...[...op.get(BIAS), ...op.set(B)],
    ...whileBelow(OUT, ROW_END, inner),
  ];
  return {
    name: `relu${bias ? '_bias' : ''}${mask ? '_mask' : ''}`,
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, V128, V128, V128],
    body: [
      ...endOf(OUT, ROWS, N, END, 4),
      ...[...op.f32Const(1), ...op.f32Splat, ...op.set(ONE)],
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

const FUNCTIONS = [relu(false, false), relu(true, false), relu(false, true), relu(true, true)];

/** The passes bound to one memory; every pointer is a byte offset into it. */
export interface SimdPasses {
  /** ReLU after a product, with the bias and dropout mask when given (0 for none). */
  relu(out: number, bias: number, mask: number, factor: number, rows: number, n: number): void;
  mul(g: number, f: number, n: number): void;
  colsum(src: number, sums: number, rows: number, n: number): void;
}

type Fn = (...args: number[]) => void;

/**
 * The passes on `memory` (tfjs-backend-wasm's, plain or shared), or `undefined` where this engine
 * has no wasm SIMD or the memory cannot be imported: the kernel then keeps its JavaScript loops.
 */
export function simdPasses(memory: WebAssembly.Memory | undefined): SimdPasses | undefined {
  if (memory === undefined) return undefined;
  const shared =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = assemble([...FUNCTIONS, MUL, COLSUM], shared);
  if (!WebAssembly.validate(bytes)) return undefined;
  let exports: Record<string, Fn>;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    exports = instance.exports as unknown as Record<string, Fn>;
  } catch {
    return undefined;
  }
  const variants = FUNCTIONS.map((f) => exports[f.name] as Fn);
  return {
    relu: (out, bias, mask, factor, rows, n) =>
      (variants[(bias === 0 ? 0 : 1) + (mask === 0 ? 0 : 2)] as Fn)(
        out,
        bias,
        mask,
        factor,
        rows,
        n,
      ),
    mul: exports.mul as Fn,
    colsum: exports.colsum as Fn,
  };
}

/** `simdPasses` for whichever memory a backend has now: bound once, and again for a new memory. */
export function simdPassesFor(): (
  memory: WebAssembly.Memory | undefined,
) => SimdPasses | undefined {
  let boundTo: WebAssembly.Memory | undefined;
  let passes: SimdPasses | undefined;
  return (memory) => {
    if (memory !== boundTo) {
      boundTo = memory;
      passes = simdPasses(memory);
    }
    return passes;
  };
}
