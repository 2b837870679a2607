// Products whose first operand is mostly zeros, in wasm SIMD: a hidden layer's gradient `dz` after
// ReLU and dropout is ~3/4 zeros (dropout alone: 1/2), and the weight gradient `dzᵀ·h` and the
// input gradient `dz·W` spend most of their dense sums adding `fl(0·b)`. Row by row, the non-zero
// `A[i][k]` are listed first (with their `k`), then each tile of one row sums only those, in order
// of `k`. The sums are the dense kernels' bits: a sum that starts at +0 and adds `fl(a·b)` is never
// -0, so adding `fl(±0·b)` (±0 for a finite `b`) leaves it as it is; where `B` holds an infinity or
// NaN (`0·∞` is NaN), `finite` says so and the caller keeps the dense kernel.
import { type AsmFunction, advance, F32, I32, loopUntil, op, V128 } from '@mnist-lab/wasm';
import {
  acc as accOf,
  B,
  CC,
  K,
  type L,
  LDB,
  M,
  type Mode,
  MU,
  N,
  productLocals,
  rowBases,
  SJ,
  SK,
  stepping,
  tileStore,
} from './gemm-tiles';

const { get, set } = op;

/** Bytes of one listed term: `A[i][k]` (float32), then `k·ldb` (int32). */
const ENTRY = 8;

/** Lists row `i`'s non-zero `A[i][k]` at `list`, with `k·ldb`, leaving the list's end in `end`. */
function listRow(L: L, list: number, end: number): number[] {
  const [p, left, offset] = [L.pa[0], L.pa[2], L.pa[3]] as [number, number, number];
  return [
    ...[...get(L.rowA), ...set(p), ...get(list), ...set(end)],
    ...[...get(K), ...set(left), ...op.i32(0), ...set(offset)],
    ...loopUntil(
      [...get(left), ...op.i32Eqz],
      [
        // Written every time, kept (end moves on) only where the value is not ±0: no branch.
        ...[...get(end), ...get(p), ...op.f32Load(0), ...op.tee(L.fb), ...op.f32Store(0)],
        ...[...get(end), ...get(offset), ...op.i32StoreAt(4)],
        ...[...get(end), ...get(L.fb), ...op.f32Const(0), ...op.f32NeScalar],
        ...[...op.i32(3), ...op.i32Shl, ...op.i32Add, ...set(end)],
        ...[...get(p), ...get(SK), ...op.i32Add, ...set(p)],
        ...[...get(offset), ...get(LDB), ...op.i32Add, ...set(offset)],
        ...[...get(left), ...op.i32(1), ...op.i32Sub, ...set(left)],
      ],
    ),
  ];
}

/** The sums of one row's tile of `nv` vectors (0: one scalar column) at column `j`, over the list. */
function listedSums(L: L, list: number, end: number, nv: number): number[] {
  const [e, q] = [L.pa[1], L.pa[2]] as [number, number];
  const acc = (v: number) => accOf(L, 0, v);
  const vs = Array.from({ length: nv }, (_, v) => v);
  const zero =
    nv === 0
      ? [...op.f32Const(0), ...set(L.facc[0] as number)]
      : vs.flatMap((v) => [...op.zero, ...set(acc(v))]);
  const term =
    nv === 0
      ? [
          ...[
            ...get(L.facc[0] as number),
            ...get(e),
            ...op.f32Load(0),
            ...get(q),
            ...op.f32Load(0),
          ],
          ...[...op.f32MulScalar, ...op.f32AddScalar, ...set(L.facc[0] as number)],
        ]
      : [
          ...[...get(e), ...op.load32Splat, ...set(L.sv)],
          ...vs.flatMap((v) => [
            ...[...get(acc(v)), ...get(L.sv), ...get(q), ...op.loadAt(16 * v), ...op.f32Mul],
            ...[...op.f32Add, ...set(acc(v))],
          ]),
        ];
  return [
    ...[...get(B), ...get(L.j), ...get(SJ), ...op.i32Mul, ...op.i32Add, ...set(L.pb)],
    ...zero,
    ...[...get(list), ...set(e)],
    ...loopUntil(
      [...get(e), ...get(end), ...op.i32GeUScalar],
      [
        ...[...get(L.pb), ...get(e), ...op.i32LoadAt(4), ...op.i32Add, ...set(q)],
        ...term,
        ...advance(e, ENTRY),
      ],
    ),
  ];
}

/**
 * `name(a, b, c, m, n, k, sa, sk, ldb, sj, ldc, order[, w, μ, c], list)`: `SimdGemm`'s product of
 * the same name (`order` unused: always row by row; `B` row-major, `sj` 4), summing only the
 * non-zero `A[i][k]`; `list` is room for `k` terms of 8 bytes.
 */
function sparseProduct(name: string, mode: Mode): AsmFunction {
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];
  if (mode === 'update') params.push(I32, F32, F32);
  params.push(I32);
  const list = params.length - 1;
  const L = productLocals(params.length);
  const listEnd = L.kc;
  const splats =
    mode === 'update'
      ? [...get(MU), ...op.f32Splat, ...set(L.muv), ...get(CC), ...op.f32Splat, ...set(L.ccv)]
      : [];
  const row = [
    ...rowBases(L, mode),
    ...listRow(L, list, listEnd),
    ...[...op.i32(0), ...set(L.j)],
    ...stepping(L.j, N, 32, [...listedSums(L, list, listEnd, 8), ...tileStore(L, mode, 1, 8)]),
    ...stepping(L.j, N, 8, [...listedSums(L, list, listEnd, 2), ...tileStore(L, mode, 1, 2)]),
    ...stepping(L.j, N, 4, [...listedSums(L, list, listEnd, 1), ...tileStore(L, mode, 1, 1)]),
    ...stepping(L.j, N, 1, [...listedSums(L, list, listEnd, 0), ...tileStore(L, mode, 1, 0)]),
  ];
  return {
    name,
    params,
    locals: L.l.types,
    body: [...splats, ...[...op.i32(0), ...set(L.i)], ...stepping(L.i, M, 1, row)],
  };
}

/** A float32's exponent bits: all set for an infinity or a NaN only. */
const EXPONENT = 0x7f800000;

/**
 * `finite(p, n)`: 1 when the `n` floats at `p` are all finite, else 0. Integer tests of the exponent
 * bits, or-ed together, four vectors at a time: no chain of float operations to wait on.
 */
const FINITE: AsmFunction = (() => {
  const [P, COUNT] = [0, 1];
  const [end, groupsEnd, s, t, exponent] = [2, 3, 4, 5, 6];
  const bad = (offset: number) => [
    ...[...get(P), ...op.loadAt(offset), ...get(exponent), ...op.and],
    ...[...get(exponent), ...op.i32Eq],
  ];
  return {
    name: 'finite',
    params: [I32, I32],
    locals: [I32, I32, V128, I32, V128],
    body: [
      ...[...op.i32x4Const(EXPONENT), ...set(exponent)],
      ...[...get(P), ...get(COUNT), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(end)],
      ...[...get(P), ...get(COUNT), ...op.i32(-16), ...op.i32And, ...op.i32(2), ...op.i32Shl],
      ...[...op.i32Add, ...set(groupsEnd), ...op.zero, ...set(s), ...op.i32(0), ...set(t)],
      ...loopUntil(
        [...get(P), ...get(groupsEnd), ...op.i32GeUScalar],
        [
          ...[...bad(0), ...bad(16), ...op.or, ...bad(32), ...bad(48), ...op.or, ...op.or],
          ...[...get(s), ...op.or, ...set(s), ...advance(P, 64)],
        ],
      ),
      ...loopUntil(
        [...get(P), ...get(end), ...op.i32GeUScalar],
        [
          ...[...get(t), ...get(P), ...op.i32LoadAt(0), ...op.i32(EXPONENT), ...op.i32And],
          ...[...op.i32(EXPONENT), ...op.i32EqScalar, ...op.i32Or, ...set(t), ...advance(P, 4)],
        ],
      ),
      ...[...get(s), ...op.anyTrue, ...get(t), ...op.i32Or, ...op.i32Eqz],
    ],
    results: [I32],
  };
})();

export const SPARSE_FUNCTIONS = [
  sparseProduct('gemmSparse', 'plain'),
  sparseProduct('gemmUpdateSparse', 'update'),
  FINITE,
];
