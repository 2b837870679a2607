// WebAssembly instructions by name, a few loop shapes, and a module of exported functions over one
// memory (imported, such as tfjs-backend-wasm's heap, or the module's own): enough to write small
// SIMD loops readably and without a toolchain. Each instruction is its bytes (`number[]`).
import { sleb, uleb } from './leb128';

/** The value type of 32-bit integers. */
export const I32 = 0x7f;
/** The value type of 32-bit floats. */
export const F32 = 0x7d;
/** The value type of 64-bit floats. */
export const F64 = 0x7c;
/** The value type of 128-bit SIMD vectors. */
export const V128 = 0x7b;

const simd = (opcode: number) => [0xfd, ...uleb(opcode)];
/** A memory access's immediates: log2 of the alignment hint, offset 0. */
const mem = (opcode: number, alignLog2: number) => [...simd(opcode), alignLog2, 0];

/** A 128-bit constant from its 16 bytes. */
const v128Const = (bytes: Uint8Array) => [...simd(0x0c), ...bytes];

/** Instructions, each as its bytes. */
export const op = {
  /** `local.get`: a local's value onto the stack. */
  get: (local: number) => [0x20, local],
  /** `local.set`: the top of the stack into a local. */
  set: (local: number) => [0x21, local],
  /** `local.tee`: into a local, and left on the stack. */
  tee: (local: number) => [0x22, local],
  /** `i32.const`. */
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GeUScalar: [0x4f],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  /** A branch to the block `depth` levels out (a loop's start, a block's end). */
  br: (depth: number) => [0x0c, depth],
  /** {@link op.br} where the i32 on the stack is not 0. */
  brIf: (depth: number) => [0x0d, depth],
  load: mem(0x00, 2),
  store: mem(0x0b, 2),
  /** Two floats into the low half, zeros above. */
  load64Zero: mem(0x5d, 2),
  zero: v128Const(new Uint8Array(16)),
  f32Splat: simd(0x13),
  i32Splat: simd(0x11),
  /** Lane-wise unsigned `a >= b` of 32-bit integers: all ones or zeros. */
  i32GeU: simd(0x40),
  f32Gt: simd(0x44),
  /** Lane-wise `a == b` of floats: all ones or zeros (false for NaN). */
  f32Eq: simd(0x41),
  and: simd(0x4e),
  or: simd(0x50),
  /** 1 when any bit of the vector is set. */
  anyTrue: simd(0x53),
  f32Add: simd(0xe4),
  f32Mul: simd(0xe6),
  f32Max: simd(0xe9),
  f64PromoteLow: simd(0x5f),
  /** Two float64 lanes rounded to float32 in the low half, zeros above. */
  f32DemoteZero: simd(0x5e),
  f64Splat: simd(0x14),
  f64Add: simd(0xf0),
  f64Sub: simd(0xf1),
  f64Mul: simd(0xf2),
  /** Stores the low 64 bits (two floats). */
  store64Low: [...simd(0x5b), 3, 0, 0],
  /** `f32.const`, `value` rounded to float32. */
  f32Const: (value: number) => {
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    return [0x43, ...bytes];
  },
  /** `f64.const`. */
  f64Const: (value: number) => [0x44, ...new Uint8Array(new Float64Array([value]).buffer)],
  v128Const,
  /** Two float64 lanes, each `value`. */
  f64x2Const: (value: number) => v128Const(new Uint8Array(new Float64Array([value, value]).buffer)),
  /** Four int32 lanes, each `value`. */
  i32x4Const: (value: number) =>
    v128Const(new Uint8Array(new Int32Array([value, value, value, value]).buffer)),
  /** Two int64 lanes, each `value`. */
  i64x2Const: (value: bigint) =>
    v128Const(new Uint8Array(new BigInt64Array([value, value]).buffer)),
  /** Bytes of `a` (0–15) and `b` (16–31) by index. */
  shuffle: (lanes: readonly number[]) => [...simd(0x0d), ...lanes],
  /** A call of function `func` (imports first, then the module's own). */
  call: (func: number) => [0x10, ...uleb(func)],
  /** `if … end` on an i32 condition, with no result. */
  if: [0x04, 0x40],
  else: [0x05],
  i32Eqz: [0x45],
  f64AddScalar: [0xa0],
  f64DivScalar: [0xa3],
  /** A float64 lane as a scalar. */
  f64ExtractLane: (lane: number) => [...simd(0x21), lane],
  /** A vector with one float64 lane replaced by the scalar on the stack. */
  f64ReplaceLane: (lane: number) => [...simd(0x22), lane],
  /** Lane-wise `a == b` of 32-bit integers: all ones or zeros. */
  i32Eq: simd(0x37),
  /** Lane-wise unsigned 32-bit integers to floats. */
  f32ConvertI32U: simd(0xfb),
  f32Div: simd(0xe7),
  /** The low (high) eight bytes widened to unsigned 16-bit lanes. */
  i16ExtendLowI8U: simd(0x89),
  i16ExtendHighI8U: simd(0x8a),
  /** The low (high) four 16-bit lanes widened to unsigned 32-bit lanes. */
  i32ExtendLowI16U: simd(0xa9),
  i32ExtendHighI16U: simd(0xaa),
  /** 1 when every 32-bit lane is non-zero. */
  i32AllTrue: simd(0xa3),
  f32Sub: simd(0xe5),
  f64Nearest: simd(0x94),
  f64Neg: simd(0xed),
  f64Div: simd(0xf3),
  f64Min: simd(0xf4),
  f64Max: simd(0xf5),
  /** `b < a ? b : a` lane-wise (x86's `minpd`: one instruction, where `f64Min` is several). */
  f64Pmin: simd(0xf6),
  /** `a < b ? b : a` lane-wise. */
  f64Pmax: simd(0xf7),
  /** Two float64 lanes to int32 (truncated, saturating) in the low half, zeros above. */
  i32TruncSatF64Zero: simd(0xfc),
  i64ExtendLowI32S: simd(0xc7),
  i64Shl: simd(0xcb),
  i64Add: simd(0xce),
  i64Sub: simd(0xd1),
  /** `v128.load` at a constant byte offset from the address on the stack. */
  loadAt: (offset: number) => [...simd(0x00), 2, ...uleb(offset)],
  /** `v128.store` at a constant byte offset. */
  storeAt: (offset: number) => [...simd(0x0b), 2, ...uleb(offset)],
  /** One float at the address, in all four lanes. */
  load32Splat: mem(0x09, 2),
  /** A float32 lane as a scalar. */
  f32ExtractLane: (lane: number) => [...simd(0x1f), lane],
  /** Scalar float32 load and store, at a constant byte offset. */
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  /** Scalar float32 store at a constant byte offset. */
  f32Store: (offset: number) => [0x38, 2, ...uleb(offset)],
  f32AddScalar: [0x92],
  f32MulScalar: [0x94],
  /** Scalar int32 load and store (a float's bits, copied exactly). */
  i32Load: [0x28, 2, 0],
  i32Store: [0x36, 2, 0],
  /** Scalar int32 load and store at a constant byte offset. */
  i32LoadAt: (offset: number) => [0x28, 2, ...uleb(offset)],
  /** Scalar int32 store at a constant byte offset. */
  i32StoreAt: (offset: number) => [0x36, 2, ...uleb(offset)],
  /** Scalar float32 `a != b`: 1 or 0 (1 for NaN). */
  f32NeScalar: [0x5c],
  /** Scalar float32 `a == b`: 1 or 0 (0 for NaN). */
  f32EqScalar: [0x5b],
  i32Sub: [0x6b],
  i32LtUScalar: [0x49],
  i32And: [0x71],
  i32Or: [0x72],
  i32EqScalar: [0x46],
  i32ShrU: [0x76],
  i32Xor: [0x73],
  i32Rotl: [0x77],
};

/** A function the module imports from `env`: its name, parameter and result types. */
export interface AsmImport {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
}

/** `local += step` for a pointer local. */
export const advance = (local: number, step: number) => [
  ...op.get(local),
  ...op.i32(step),
  ...op.i32Add,
  ...op.set(local),
];

/** `end = pointer + count·bytes` into local `end` (`bytes` a power of two). */
export const endAfter = (pointer: number, count: number, end: number, bytes: number) => [
  ...op.get(pointer),
  ...op.get(count),
  ...(bytes === 1 ? [] : [...op.i32(Math.log2(bytes)), ...op.i32Shl]),
  ...op.i32Add,
  ...op.set(end),
];

/** `end = pointer + rows·n·bytes` into local `end`. */
export const endOf = (pointer: number, rows: number, n: number, end: number, bytes: number) => [
  ...op.get(pointer),
  ...op.get(rows),
  ...op.get(n),
  ...op.i32Mul,
  ...op.i32(Math.log2(bytes)),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(end),
];

/** `block; loop; if (cond) break; …body…; continue; end; end`. */
export const loopUntil = (cond: number[], body: number[]) => [
  ...op.block,
  ...op.loop,
  ...cond,
  ...op.brIf(1),
  ...body,
  ...op.br(0),
  ...op.end,
  ...op.end,
];

/** `block; loop; if (pointer >= end) break; …body…; continue; end; end`. */
export const whileBelow = (pointer: number, end: number, body: number[]) =>
  loopUntil([...op.get(pointer), ...op.get(end), ...op.i32GeUScalar], body);

/** `local += by`, `by` another local (a stride given at run time). */
export const advanceBy = (local: number, by: number) => [
  ...op.get(local),
  ...op.get(by),
  ...op.i32Add,
  ...op.set(local),
];

/** One exported function: its name, parameter types, extra locals, body (without `end`), result types (none if not given). */
export interface AsmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly locals: readonly number[];
  readonly body: readonly number[];
  readonly results?: readonly number[];
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/** Where a module's memory comes from. */
export type AsmMemory =
  /** `env.memory`, imported (shared, with the largest maximum, for a threaded build's memory). */
  | { readonly import: 'env.memory'; readonly shared: boolean }
  /** The module's own memory of `pages` × 64 KiB to start, exported as `memory`. */
  | { readonly own: number };

/**
 * A module with one memory (`memory`), importing the functions `imports` from `env` (called by
 * index: `op.call(i)`), and exporting `functions` (indices after the imports').
 */
export function assemble(
  functions: readonly AsmFunction[],
  memory: AsmMemory,
  imports: readonly AsmImport[] = [],
): Uint8Array<ArrayBuffer> {
  const locals = (types: readonly number[]) => vec(types.map((t) => [1, t])); // one entry per local: simple, and these are few
  const bodies = functions.map((f) => {
    const code = [...locals(f.locals), ...f.body, ...op.end];
    return [...uleb(code.length), ...code];
  });
  const signature = (params: readonly number[], results: readonly number[] = []) => [
    0x60,
    ...vec(params.map((p) => [p])),
    ...vec(results.map((r) => [r])),
  ];
  const imported = imports.map((f, i) => [...name('env'), ...name(f.name), 0x00, ...uleb(i)]);
  const exported = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(imports.length + i)]);
  if ('import' in memory) {
    const limits = memory.shared ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00];
    imported.push([...name('env'), ...name('memory'), 0x02, ...limits]);
  } else exported.push([...name('memory'), 0x02, 0]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([...imports, ...functions].map((f) => signature(f.params, f.results)))),
    ...(imported.length > 0 ? section(2, vec(imported)) : []),
    ...section(3, vec(functions.map((_, i) => uleb(imports.length + i)))),
    ...('own' in memory ? section(5, vec([[0x00, ...uleb(memory.own)]])) : []),
    ...section(7, vec(exported)),
    ...section(10, vec(bodies)),
  ]);
}
