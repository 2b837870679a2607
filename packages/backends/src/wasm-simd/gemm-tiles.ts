// The tiles of the wasm SIMD products (`wasm-simd/gemm.ts`): the locals a product function uses,
// the loop over the shared index of an `mr`-row tile, and the ways its sums are stored.
import { advance, advanceBy, F32, I32, loopUntil, op, V128 } from '@mnist-lab/wasm';

/** Local indices, handed out after the parameters. */
export class Locals {
  readonly types: number[] = [];
  constructor(private readonly params: number) {}
  add(type: number, count = 1): number[] {
    return Array.from({ length: count }, () => {
      this.types.push(type);
      return this.params + this.types.length - 1;
    });
  }
  one(type: number): number {
    return this.add(type)[0] as number;
  }
}

const { get, set } = op;
/** Byte lanes of a shuffle from 32-bit lanes (0–3 of `a`, 4–7 of `b`). */
const lanes = (l: readonly number[]) => l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);

export type Mode = 'plain' | 'transposed' | 'update';

/** Parameters shared by the three products, in this order. */
export const [A, B, C, M, N, K, SA, SK, LDB, SJ, LDC, ORDER, W, MU, CC] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
] as const;

/** The locals one product function uses (every tile shape shares them). */
export function productLocals(params: number) {
  const l = new Locals(params);
  return {
    l,
    i: l.one(I32),
    j: l.one(I32),
    rowA: l.one(I32),
    rowC: l.one(I32),
    rowW: l.one(I32),
    pb: l.one(I32),
    kc: l.one(I32),
    cp: l.one(I32),
    wp: l.one(I32),
    pa: l.add(I32, 4),
    acc: [l.add(V128, 2), l.add(V128, 2), l.add(V128, 2), l.add(V128, 2)],
    bv: l.add(V128, 2),
    sv: l.one(V128),
    facc: l.add(F32, 4),
    fb: l.one(F32),
    ft: l.one(F32),
    t: l.one(V128),
    u: l.add(V128, 4),
    muv: l.one(V128),
    ccv: l.one(V128),
  };
}
export type L = ReturnType<typeof productLocals>;
/**
 * The accumulator of row `r`'s vector `v`: a tile of up to 4 rows × 2 vectors, or one row of up to
 * 8 vectors (the sparse products), in the same 8 locals.
 */
export const acc = (L: L, r: number, v: number) =>
  (L.acc[r + (v >> 1)] as number[])[v & 1] as number;

/** The shared-index loop of an `mr`-row tile of `nv` vectors (0: one scalar column). */
function tileSums(L: L, mr: number, nv: number): number[] {
  const rows = Array.from({ length: mr }, (_, r) => r);
  const vs = Array.from({ length: nv }, (_, v) => v);
  const pa = (r: number) => L.pa[r] as number;
  const start = [
    ...[...get(L.rowA), ...set(pa(0))],
    ...rows.slice(1).flatMap((r) => [...get(pa(r - 1)), ...get(SA), ...op.i32Add, ...set(pa(r))]),
    ...[...get(B), ...get(L.j), ...get(SJ), ...op.i32Mul, ...op.i32Add, ...set(L.pb)],
    ...[...get(K), ...set(L.kc)],
    ...(nv === 0
      ? rows.flatMap((r) => [...op.f32Const(0), ...set(L.facc[r] as number)])
      : rows.flatMap((r) => vs.flatMap((v) => [...op.zero, ...set(acc(L, r, v))]))),
  ];
  const step =
    nv === 0
      ? [
          ...[...get(L.pb), ...op.f32Load(0), ...set(L.fb)],
          ...rows.flatMap((r) => [
            ...get(L.facc[r] as number),
            ...[...get(pa(r)), ...op.f32Load(0), ...get(L.fb), ...op.f32MulScalar],
            ...[...op.f32AddScalar, ...set(L.facc[r] as number)],
          ]),
        ]
      : [
          ...vs.flatMap((v) => [...get(L.pb), ...op.loadAt(16 * v), ...set(L.bv[v] as number)]),
          ...rows.flatMap((r) => [
            ...[...get(pa(r)), ...op.load32Splat, ...set(L.sv)],
            ...vs.flatMap((v) => [
              ...[...get(acc(L, r, v)), ...get(L.sv), ...get(L.bv[v] as number), ...op.f32Mul],
              ...[...op.f32Add, ...set(acc(L, r, v))],
            ]),
          ]),
        ];
  const next = [
    ...rows.flatMap((r) => advanceBy(pa(r), SK)),
    ...advanceBy(L.pb, LDB),
    ...[...get(L.kc), ...op.i32(1), ...op.i32Sub, ...set(L.kc)],
  ];
  return [...start, ...loopUntil([...get(L.kc), ...op.i32Eqz], [...step, ...next])];
}

/** `i`'s row bases: `rowA` (and `rowC`, `rowW`) for a tile starting at row `i`. */
export function rowBases(L: L, mode: Mode): number[] {
  const base = (local: number, from: number, stride: number | 'float') => [
    ...get(from),
    ...get(L.i),
    ...(stride === 'float' ? [...op.i32(2), ...op.i32Shl] : [...get(stride), ...op.i32Mul]),
    ...op.i32Add,
    ...set(local),
  ];
  return [
    ...base(L.rowA, A, SA),
    ...base(L.rowC, C, mode === 'transposed' ? 'float' : LDC),
    ...(mode === 'update' ? base(L.rowW, W, LDC) : []),
  ];
}

/** `while (limit ≥ index + step) { body; index += step }`. */
export const stepping = (index: number, limit: number, step: number, body: number[]) =>
  loopUntil(
    [...get(limit), ...get(index), ...op.i32(step), ...op.i32Add, ...op.i32LtUScalar],
    [...body, ...advance(index, step)],
  );

/** `local = base + j·4` (the tile's first column). */
const atColumn = (local: number, base: number, L: L) => [
  ...[...get(base), ...get(L.j), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(local)],
];

/** Stores a tile row by row: `C[i + r][j …]`. */
function storePlain(L: L, mr: number, nv: number): number[] {
  return [
    ...atColumn(L.cp, L.rowC, L),
    ...Array.from({ length: mr }, (_, r) => [
      ...(r > 0 ? advanceBy(L.cp, LDC) : []),
      ...(nv === 0
        ? [...get(L.cp), ...get(L.facc[r] as number), ...op.f32Store(0)]
        : Array.from({ length: nv }, (_, v) => [
            ...[...get(L.cp), ...get(acc(L, r, v)), ...op.storeAt(16 * v)],
          ]).flat()),
    ]).flat(),
  ];
}

/** `v ← fl(fl(μ·v) + g); w ← fl(w + fl(c·v))` for the tile's sums `g`, as `momentumUpdate`. */
function storeUpdate(L: L, mr: number, nv: number): number[] {
  const vector = (r: number, v: number) => [
    ...[...get(L.cp), ...op.loadAt(16 * v), ...get(L.muv), ...op.f32Mul],
    ...[...get(acc(L, r, v)), ...op.f32Add, ...set(L.t)],
    ...[...get(L.cp), ...get(L.t), ...op.storeAt(16 * v)],
    ...[...get(L.wp), ...get(L.wp), ...op.loadAt(16 * v), ...get(L.t), ...get(L.ccv)],
    ...[...op.f32Mul, ...op.f32Add, ...op.storeAt(16 * v)],
  ];
  const scalar = (r: number) => [
    ...[...get(L.cp), ...op.f32Load(0), ...get(MU), ...op.f32MulScalar],
    ...[...get(L.facc[r] as number), ...op.f32AddScalar, ...set(L.ft)],
    ...[...get(L.cp), ...get(L.ft), ...op.f32Store(0)],
    ...[...get(L.wp), ...get(L.wp), ...op.f32Load(0), ...get(L.ft), ...get(CC)],
    ...[...op.f32MulScalar, ...op.f32AddScalar, ...op.f32Store(0)],
  ];
  return [
    ...atColumn(L.cp, L.rowC, L),
    ...atColumn(L.wp, L.rowW, L),
    ...Array.from({ length: mr }, (_, r) => [
      ...(r > 0 ? [...advanceBy(L.cp, LDC), ...advanceBy(L.wp, LDC)] : []),
      ...(nv === 0 ? scalar(r) : Array.from({ length: nv }, (_, v) => vector(r, v)).flat()),
    ]).flat(),
  ];
}

/** Stores a tile transposed: sum `(i + r, j + c)` to `C[j + c][i + r]`. */
function storeTransposed(L: L, mr: number, nv: number): number[] {
  const first = [
    ...[...get(L.rowC), ...get(L.j), ...get(LDC), ...op.i32Mul, ...op.i32Add, ...set(L.cp)],
  ];
  if (nv === 0)
    return [
      ...first,
      ...Array.from({ length: mr }, (_, r) => [
        ...[...get(L.cp), ...get(L.facc[r] as number), ...op.f32Store(4 * r)],
      ]).flat(),
    ];
  const out: number[] = [...first];
  // One row of the result: the value, stored at `cp`, then `cp` on to the next row.
  const row = (value: number[], store: number[]) =>
    out.push(...get(L.cp), ...value, ...store, ...advanceBy(L.cp, LDC));
  for (let v = 0; v < nv; v++) {
    if (mr === 1) {
      for (let l = 0; l < 4; l++)
        row([...get(acc(L, 0, v)), ...op.f32ExtractLane(l)], op.f32Store(0));
      continue;
    }
    // A 4×4 transpose in registers: u = the rows' lanes interleaved in pairs, then halves joined.
    const [x0, x1, x2, x3] = [0, 1, 2, 3].map((r) => acc(L, r, v));
    const pair = (a: number, b: number, l: number[], into: number) =>
      out.push(...get(a), ...get(b), ...op.shuffle(lanes(l)), ...set(into));
    const [u0, u1, u2, u3] = L.u as [number, number, number, number];
    pair(x0 as number, x1 as number, [0, 4, 1, 5], u0);
    pair(x2 as number, x3 as number, [0, 4, 1, 5], u1);
    pair(x0 as number, x1 as number, [2, 6, 3, 7], u2);
    pair(x2 as number, x3 as number, [2, 6, 3, 7], u3);
    for (const [a, b, l] of [
      [u0, u1, [0, 1, 4, 5]],
      [u0, u1, [2, 3, 6, 7]],
      [u2, u3, [0, 1, 4, 5]],
      [u2, u3, [2, 3, 6, 7]],
    ] as const)
      row([...get(a), ...get(b), ...op.shuffle(lanes(l))], op.storeAt(0));
  }
  return out;
}

/** Stores an `mr`-row tile of `nv` vectors (0: one scalar column) at row `i`, column `j` as `mode` says. */
export function tileStore(L: L, mode: Mode, mr: number, nv: number): number[] {
  const store = { plain: storePlain, transposed: storeTransposed, update: storeUpdate }[mode];
  return store(L, mr, nv);
}

/** An `mr`-row tile of `nv` vectors (0: one scalar column) at row `i`, column `j`: sums, then stores. */
export function tile(L: L, mode: Mode, mr: number, nv: number): number[] {
  return [...tileSums(L, mr, nv), ...tileStore(L, mode, mr, nv)];
}
