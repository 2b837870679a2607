// Matrix products in wasm SIMD on tfjs-backend-wasm's own memory, for the whole-step kernel where
// there is no OpenBLAS (a browser, `--blas off`). tfjs-wasm's BatchMatMul hands every product to
// XNNPACK, which first packs the second operand into a new operator (kept per tensor): the step's
// operands are new every step, so it packed ~0.2 M floats a step, ~0.7 of its 4 ms here. These
// products read the operands where they lie. Each element is summed as XNNPACK's wasm SIMD
// kernels sum it: from +0, adding each product `fl(a·b)` in order of the shared index, no fused
// multiply-add, so the bits are the same (the tests compare them with tfjs's kernel).
import {
  type AsmFunction,
  advance,
  advanceBy,
  assemble,
  boundToMemory,
  F32,
  I32,
  instantiateOn,
  loopUntil,
  op,
} from '@mnist-lab/wasm';
import {
  CC,
  type L,
  Locals,
  M,
  type Mode,
  MU,
  N,
  ORDER,
  productLocals,
  rowBases,
  stepping,
  tile,
} from './gemm-tiles';
import { SPARSE_FUNCTIONS } from './sparse';
import { SPARSE_FORWARD_FUNCTIONS } from './sparse-forward';

const { get, set } = op;

/** Every column at row `i` (`mr` rows): 8 at a time, then 4, then one. */
function columnsOf(L: L, mode: Mode, mr: number): number[] {
  return [
    ...[...op.i32(0), ...set(L.j)],
    ...stepping(L.j, N, 8, [...rowBases(L, mode), ...tile(L, mode, mr, 2)]),
    ...stepping(L.j, N, 4, [...rowBases(L, mode), ...tile(L, mode, mr, 1)]),
    ...stepping(L.j, N, 1, [...rowBases(L, mode), ...tile(L, mode, mr, 0)]),
  ];
}

/** Every row at column `j` (`nv` vectors wide): 4 at a time, then one. */
function rowsOf(L: L, mode: Mode, nv: number): number[] {
  return [
    ...[...op.i32(0), ...set(L.i)],
    ...stepping(L.i, M, 4, [...rowBases(L, mode), ...tile(L, mode, 4, nv)]),
    ...stepping(L.i, M, 1, [...rowBases(L, mode), ...tile(L, mode, 1, nv)]),
  ];
}

/**
 * The tiles in one of two orders: rows outer (each row block of `A` stays in the first cache while
 * `B` passes), or columns outer (each column block of `B` stays while `A` passes).
 */
function tiles(L: L, mode: Mode): number[] {
  const rowsOuter = [
    ...[...op.i32(0), ...set(L.i)],
    ...stepping(L.i, M, 4, columnsOf(L, mode, 4)),
    ...stepping(L.i, M, 1, columnsOf(L, mode, 1)),
  ];
  const columnsOuter = [
    ...[...op.i32(0), ...set(L.j)],
    ...stepping(L.j, N, 8, rowsOf(L, mode, 2)),
    ...stepping(L.j, N, 4, rowsOf(L, mode, 1)),
    ...stepping(L.j, N, 1, rowsOf(L, mode, 0)),
  ];
  return [...get(ORDER), ...op.if, ...columnsOuter, ...op.else, ...rowsOuter, ...op.end];
}

/**
 * `name(a, b, c, m, n, k, sa, sk, ldb, sj, ldc, order[, w, μ, c])`: the sums {@link SimdGemm}
 * describes, stored row-major, transposed, or (`update`) taken as the weight gradient of PyTorch's
 * momentum step on `v` (at `c`) and `w`.
 */
function product(name: string, mode: Mode): AsmFunction {
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];
  if (mode === 'update') params.push(I32, F32, F32);
  const L = productLocals(params.length);
  const splats =
    mode === 'update'
      ? [...get(MU), ...op.f32Splat, ...set(L.muv), ...get(CC), ...op.f32Splat, ...set(L.ccv)]
      : [];
  return {
    name,
    params,
    locals: L.l.types,
    body: [...splats, ...tiles(L, mode)],
  };
}

/**
 * `name(src, dst, rows, cols)`: each row of `src` (`rows × cols` floats) copied, bits as they are,
 * element by element to `dst`: row `r` from `start(r)`, each next element `step` bytes on.
 */
function scatterRows(
  name: string,
  start: (r: number, dst: number, panel: number) => number[],
  step: (rows: number, cols: number) => number[],
): AsmFunction {
  const [SRC, DST, ROWS, COLS] = [0, 1, 2, 3];
  const l = new Locals(4);
  const [r, d, e, by, panel] = l.add(I32, 5) as [number, number, number, number, number];
  return {
    name,
    params: [I32, I32, I32, I32],
    locals: l.types,
    body: [
      ...[...step(ROWS, COLS), ...set(by)],
      ...[...get(COLS), ...op.i32(5), ...op.i32Shl, ...set(panel)],
      ...[...op.i32(0), ...set(r)],
      ...loopUntil(
        [...get(r), ...get(ROWS), ...op.i32GeUScalar],
        [
          ...[...start(r, DST, panel), ...set(d)],
          ...[...get(SRC), ...get(COLS), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(e)],
          ...loopUntil(
            [...get(SRC), ...get(e), ...op.i32GeUScalar],
            [
              ...[...get(d), ...get(SRC), ...op.i32Load, ...op.i32Store],
              ...advance(SRC, 4),
              ...advanceBy(d, by),
            ],
          ),
          ...advance(r, 1),
        ],
      ),
    ],
  };
}

/** `transpose(src, dst, rows, cols)`: `dst[j][i] = src[i][j]`. */
const TRANSPOSE = scatterRows(
  'transpose',
  (r, dst) => [...get(dst), ...get(r), ...op.i32(2), ...op.i32Shl, ...op.i32Add],
  (rows) => [...get(rows), ...op.i32(2), ...op.i32Shl],
);

/** `panels(src, dst, rows, cols)`: `dst[r >> 3][k][r & 7] = src[r][k]` (panels of `32·cols` bytes). */
const PANELS = scatterRows(
  'panels',
  (r, dst, panel) => [
    ...[...get(dst), ...get(r), ...op.i32(3), ...op.i32ShrU, ...get(panel), ...op.i32Mul],
    ...[
      ...op.i32Add,
      ...get(r),
      ...op.i32(7),
      ...op.i32And,
      ...op.i32(2),
      ...op.i32Shl,
      ...op.i32Add,
    ],
  ],
  () => op.i32(32),
);

/**
 * The products bound to one memory (`simdGemm`); every pointer and stride is in bytes. Each sums
 * `C[i][j] = Σₖ A[i][k]·B[k][j]` (`m × n`, over `k`) from +0 in order of `k`, as XNNPACK does:
 * `A[i][k]` is the float at `a + i·sa + k·sk` (any layout, a transposed operand read in place);
 * `B[k][j]` the float at `b + k·ldb + j·sj` (`sj` 4: row-major; `ldb` 32 and `sj` 4k: panels of 8
 * columns, `n` a multiple of 8, as `panels` makes them); `order` 1 runs the columns outer, 0 the rows.
 */
export interface SimdGemm {
  /** Row-major `C = A·B`. */
  gemm(...args: ProductArgs): void;
  /** The same sums stored transposed: `C[j][i]`. */
  gemmT(...args: ProductArgs): void;
  /** The sums as the weight gradient `g`: `v ← fl(fl(μ·v) + g); w ← fl(w + fl(c·v))`, `v` at `c`, `w` at `w`, both `ldc` bytes a row. */
  gemmUpdate(...args: [...ProductArgs, w: number, mu: number, c: number]): void;
  /** `dst` (`cols × rows`) = `src` (`rows × cols`) transposed. */
  transpose(src: number, dst: number, rows: number, cols: number): void;
  /** `dst` = `src` (`rows × cols`, `rows` a multiple of 8) transposed into panels of 8 columns (`B` for `sj` = 4·cols). */
  panels(src: number, dst: number, rows: number, cols: number): void;
  /**
   * `gemm`'s sums over the non-zero `A[i][k]` only (`wasm-simd/sparse.ts`), row by row: the same
   * bits where `B` is finite (see {@link SimdGemm.finite}). `B` row-major only (`sj` 4: its tiles
   * read 32 columns at a time, across what would be panels); `list` is room for `k` terms of 8 bytes.
   */
  gemmSparse(...args: [...ProductArgs, list: number]): void;
  /** `gemmUpdate`'s, the same way. */
  gemmUpdateSparse(...args: [...ProductArgs, w: number, mu: number, c: number, list: number]): void;
  /** 1 when the `n` floats at `p` are all finite, else 0. */
  finite(p: number, n: number): number;
  /**
   * Lists, for each panel of 8 columns of `B` (as `panels` makes them: `n` a multiple of 8), the
   * `k` where the panel's row is not all ±0 (`wasm-simd/sparse-forward.ts`), at `list`
   * (`panelListBytes(n, k)` bytes); returns how many it listed over all panels.
   */
  panelLists(
    b: number,
    n: number,
    k: number,
    ldb: number,
    sj: number,
    sk: number,
    list: number,
  ): number;
  /** `gemmT`'s sums over the lists `panelLists` made: the same bits where `A` is finite. */
  gemmTListed(...args: [...ProductArgs, list: number]): void;
}

/** A product's operands and layout, as {@link SimdGemm} describes them. */
export type ProductArgs = [
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  sa: number,
  sk: number,
  ldb: number,
  sj: number,
  ldc: number,
  order: number,
];

/** The products on `memory` (tfjs-backend-wasm's), or `undefined` where wasm SIMD or the memory will not do. */
export function simdGemm(memory: WebAssembly.Memory | undefined): SimdGemm | undefined {
  const functions = [
    product('gemm', 'plain'),
    product('gemmT', 'transposed'),
    product('gemmUpdate', 'update'),
    TRANSPOSE,
    PANELS,
    ...SPARSE_FUNCTIONS,
    ...SPARSE_FORWARD_FUNCTIONS,
  ];
  return instantiateOn(memory, (shared) =>
    assemble(functions, { import: 'env.memory', shared }),
  ) as unknown as SimdGemm | undefined;
}

/** `simdGemm` for whichever memory a backend has now: bound once, and again for a new memory. */
export const simdGemmFor = () => boundToMemory(simdGemm);
