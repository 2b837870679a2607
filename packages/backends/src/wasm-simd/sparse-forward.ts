// The forward product of the pure-wasm step, `zᵀ = W·hᵀ`, over only the shared indices where the
// input is not zero. An MNIST image is ~81 % zero pixels, and the eight images of one panel of `hᵀ`
// (`panels` in `wasm-simd/gemm.ts`) are all zero at ~53 % of the 784 pixels (the lesson's
// training set, batches of 32): there every product of the first layer's sums is `fl(w·0)`. Each
// panel's other indices are listed once (branch-free), then every tile of `W`'s rows sums over its
// panel's list, in order. The sums are `gemmT`'s bits: a sum that starts at +0 and adds `fl(a·b)`
// is never -0, so leaving out a term `fl(w·±0)` (±0 for a finite `w`) changes nothing; where `W`
// holds an infinity or a NaN the caller keeps `gemmT` (`finite`).
import { type AsmFunction, advance, advanceBy, I32, loopUntil, op, V128 } from '@mnist-lab/wasm';
import {
  acc as accOf,
  B,
  K,
  type L,
  M,
  N,
  productLocals,
  rowBases,
  SA,
  SJ,
  stepping,
  tileStore,
} from './gemm-tiles';

const { get, set } = op;

/** Bytes of one listed index: `k·sk` (where `A[i][k]` lies, from `A[i][0]`), then `k·ldb`. */
const ENTRY = 8;

/** A panel's part of the list: its end (8 bytes), then room for `k` entries. */
const regionBytes = (k: number) => [
  ...get(k),
  ...op.i32(1),
  ...op.i32Add,
  ...op.i32(3),
  ...op.i32Shl,
];

/**
 * `panelLists(b, n, k, ldb, sj, sk, list)`: for each panel of 8 columns of `B` (`n` a multiple of
 * 8; `B[k][j]` at `b + k·ldb + j·sj` for the panel's first column, its 8 floats contiguous), the
 * indices `k` where any of the 8 is not ±0, as entries of `k·sk` and `k·ldb`, at
 * `list + p·(k + 1)·8` for panel `p` (its end first). Returns how many entries it listed in all.
 */
const PANEL_LISTS: AsmFunction = (() => {
  const [PB, PN, PK, PLDB, PSJ, PSK, LIST] = [0, 1, 2, 3, 4, 5, 6];
  const [j, p, region, e, left, offA, offB, total, v, stride] = [
    7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  ];
  const entries = [
    ...[...get(region), ...op.i32(8), ...op.i32Add, ...set(e)],
    ...[...get(PK), ...set(left), ...op.i32(0), ...set(offA), ...op.i32(0), ...set(offB)],
    ...loopUntil(
      [...get(left), ...op.i32Eqz],
      [
        // Written every time, kept (e moves on) only where the row is not all ±0: no branch.
        ...[...get(e), ...get(offA), ...op.i32StoreAt(0), ...get(e), ...get(offB)],
        ...[...op.i32StoreAt(4), ...get(p), ...op.load, ...get(p), ...op.loadAt(16), ...op.or],
        ...[...op.i32x4Const(0x7fffffff), ...op.and, ...set(v)],
        ...[...get(e), ...get(v), ...op.anyTrue, ...op.i32(3), ...op.i32Shl, ...op.i32Add],
        ...[...set(e), ...advanceBy(p, PLDB), ...advanceBy(offA, PSK), ...advanceBy(offB, PLDB)],
        ...[...get(left), ...op.i32(1), ...op.i32Sub, ...set(left)],
      ],
    ),
  ];
  return {
    name: 'panelLists',
    params: [I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128, I32],
    results: [I32],
    body: [
      ...[...regionBytes(PK), ...set(stride), ...op.i32(0), ...set(total), ...op.i32(0)],
      ...[...set(j), ...get(LIST), ...set(region)],
      ...stepping(j, PN, 8, [
        ...[...get(PB), ...get(j), ...get(PSJ), ...op.i32Mul, ...op.i32Add, ...set(p)],
        ...entries,
        ...[...get(region), ...get(e), ...op.i32StoreAt(0)],
        ...[...get(total), ...get(e), ...get(region), ...op.i32Sub, ...op.i32(8), ...op.i32Sub],
        ...[...op.i32(3), ...op.i32ShrU, ...op.i32Add, ...set(total)],
        ...advanceBy(region, stride),
      ]),
      ...get(total),
    ],
  };
})();

/** The sums of an `mr`-row tile of one panel (8 columns), over the panel's list at `region`. */
function listedSums(L: L, mr: number, x: ReturnType<typeof extraLocals>): number[] {
  const rows = Array.from({ length: mr }, (_, r) => r);
  const pa = (r: number) => L.pa[r] as number;
  const acc = (r: number, v: number) => accOf(L, r, v);
  return [
    ...[...get(L.rowA), ...set(pa(0))],
    ...rows.slice(1).flatMap((r) => [...get(pa(r - 1)), ...get(SA), ...op.i32Add, ...set(pa(r))]),
    ...[...get(B), ...get(L.j), ...get(SJ), ...op.i32Mul, ...op.i32Add, ...set(L.pb)],
    ...rows.flatMap((r) => [0, 1].flatMap((v) => [...op.zero, ...set(acc(r, v))])),
    ...[...get(x.region), ...op.i32(8), ...op.i32Add, ...set(x.e)],
    ...[...get(x.region), ...op.i32LoadAt(0), ...set(x.end)],
    ...loopUntil(
      [...get(x.e), ...get(x.end), ...op.i32GeUScalar],
      [
        ...[...get(x.e), ...op.i32LoadAt(0), ...set(x.offA)],
        ...[...get(L.pb), ...get(x.e), ...op.i32LoadAt(4), ...op.i32Add, ...op.tee(x.q)],
        ...[...op.loadAt(0), ...set(L.bv[0] as number)],
        ...[...get(x.q), ...op.loadAt(16), ...set(L.bv[1] as number)],
        ...rows.flatMap((r) => [
          ...[...get(pa(r)), ...get(x.offA), ...op.i32Add, ...op.load32Splat, ...set(L.sv)],
          ...[0, 1].flatMap((v) => [
            ...[...get(acc(r, v)), ...get(L.sv), ...get(L.bv[v] as number), ...op.f32Mul],
            ...[...op.f32Add, ...set(acc(r, v))],
          ]),
        ]),
        ...advance(x.e, ENTRY),
      ],
    ),
  ];
}

const extraLocals = (L: L) => {
  const [e, end, q, offA, region, stride] = L.l.add(I32, 6) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { e, end, q, offA, region, stride };
};

/**
 * `gemmTListed(a, b, c, m, n, k, sa, sk, ldb, sj, ldc, order, list)`: `gemmT`'s sums with `B` in
 * panels of 8 columns (`n` a multiple of 8), over each panel's list as `panelLists` made it at
 * `list` (`order` unused: rows outer, each tile of 4 rows of `A` kept while the panels pass).
 */
const GEMM_T_LISTED: AsmFunction = (() => {
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];
  const LIST = params.length - 1;
  const L = productLocals(params.length);
  const x = extraLocals(L);
  const row = (mr: number) => [
    ...rowBases(L, 'transposed'),
    ...[...op.i32(0), ...set(L.j), ...get(LIST), ...set(x.region)],
    ...stepping(L.j, N, 8, [
      ...listedSums(L, mr, x),
      ...tileStore(L, 'transposed', mr, 2),
      ...advanceBy(x.region, x.stride),
    ]),
  ];
  return {
    name: 'gemmTListed',
    params,
    locals: L.l.types,
    body: [
      ...[...regionBytes(K), ...set(x.stride)],
      ...[...op.i32(0), ...set(L.i)],
      ...stepping(L.i, M, 4, row(4)),
      ...stepping(L.i, M, 1, row(1)),
    ],
  };
})();

export const SPARSE_FORWARD_FUNCTIONS = [PANEL_LISTS, GEMM_T_LISTED];

/** Bytes `panelLists` needs for `n` columns (a multiple of 8) over `k` shared indices. */
export const panelListBytes = (n: number, k: number) => (n / 8) * (k + 1) * ENTRY;
