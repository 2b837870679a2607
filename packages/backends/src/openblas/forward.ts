import type { OpenBlas } from './openblas';

/** How the whole-step kernel computes one shape of forward product `h·Wᵀ`, and why. */
export interface ForwardOrientation {
  /** `[rows, out, in]`: `h` is `rows×in`, `W` `out×in`. */
  readonly shape: readonly [number, number, number];
  /** Computed as `W·hᵀ` (`out×rows`), then transposed back. */
  readonly transposed: boolean;
  readonly reason: 'no transpose in this library' | 'other bits' | 'faster' | 'not faster';
  /** Best of five timings of each way, in microseconds, where both give the same bits. */
  readonly micros?: { readonly direct: number; readonly transposed: number };
}

/** `out = h·Wᵀ` (`rows×n` from `h` `rows×k` and `W` `n×k`), row-major. */
export type ForwardProduct = (
  rows: number,
  n: number,
  k: number,
  h: Float32Array,
  w: Float32Array,
  out: Float32Array,
) => void;

const direct = (blas: OpenBlas): ForwardProduct => {
  return (rows, n, k, h, w, out) => blas.sgemm(false, true, rows, n, k, h, k, w, k, out, n);
};

const viaTransposed = (blas: OpenBlas, scratch: Float32Array): ForwardProduct => {
  const transpose = blas.transpose as NonNullable<OpenBlas['transpose']>;
  return (rows, n, k, h, w, out) => {
    blas.sgemm(false, true, n, rows, k, w, k, h, k, scratch, rows);
    transpose(n, rows, scratch, out);
  };
};

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const [x, y] = [
    new Int32Array(a.buffer, a.byteOffset, a.length),
    new Int32Array(b.buffer, b.byteOffset, b.length),
  ];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

// The best of five rounds of each way, in microseconds per product; the ways take turns in each
// round, so that a slow moment of the machine does not single one out.
function bestMicros(ways: readonly (() => void)[]): number[] {
  const best = ways.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < 5; round++)
    ways.forEach((run, i) => {
      const start = performance.now();
      for (let rep = 0; rep < 3; rep++) run();
      best[i] = Math.min(best[i] as number, ((performance.now() - start) / 3) * 1000);
    });
  return best;
}

/**
 * Whether to compute a forward product of this shape transposed. OpenBLAS runs a product with
 * few rows (a batch of 32) at its slowest (on an AMD EPYC with SkylakeX kernels, 32×512 by 784 at
 * ~137 GFLOP/s, the same product transposed at ~183), so the kernel may compute `W·hᵀ` and
 * transpose it back (exact). Only where that gives the same bits: it does with some kernels
 * (SkylakeX, Cooperlake) and not with others (Haswell, Zen: a quarter of the elements differ), so
 * both ways are computed on these operands and on made-up ones of the same shape, every element
 * compared; then both are timed, and the transposed way kept only if 5 % faster. The choice moves
 * no result, only the time.
 */
export function chooseForward(
  blas: OpenBlas,
  shape: readonly [number, number, number],
  h: Float32Array,
  w: Float32Array,
): ForwardOrientation {
  const [rows, n, k] = shape;
  if (blas.transpose === undefined)
    return { shape, transposed: false, reason: 'no transpose in this library' };
  const scratch = new Float32Array(rows * n);
  const [plain, turned] = [direct(blas), viaTransposed(blas, scratch)];
  const [a, b] = [new Float32Array(rows * n), new Float32Array(rows * n)];
  const madeUp = [
    Float32Array.from({ length: rows * k }, (_, i) => Math.max(0, Math.sin(i * 1.37)) * 0.9),
    Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.311) * 0.05),
  ] as const;
  for (const [x, y] of [[h, w], madeUp] as const) {
    plain(rows, n, k, x, y, a);
    turned(rows, n, k, x, y, b);
    if (!sameBits(a, b)) return { shape, transposed: false, reason: 'other bits' };
  }
  const [plainMicros, turnedMicros] = bestMicros([
    () => plain(rows, n, k, h, w, a),
    () => turned(rows, n, k, h, w, b),
  ]) as [number, number];
  const transposed = turnedMicros < 0.95 * plainMicros;
  const micros = { direct: plainMicros, transposed: turnedMicros };
  return { shape, transposed, reason: transposed ? 'faster' : 'not faster', micros };
}

/** {@link ForwardProduct}, each shape computed the way chosen for it. */
export type ForwardProducts = ForwardProduct & {
  /** The choices so far, one per shape, in the order the shapes first came. */
  orientations(): ForwardOrientation[];
};

/**
 * The whole-step kernel's forward products through OpenBLAS: each shape computed the way
 * {@link chooseForward} chose for it at its first product (about a millisecond, once per shape).
 * `orientations()` lists the choices so far.
 */
export function forwardProducts(
  blas: OpenBlas,
  choose: typeof chooseForward = chooseForward,
): ForwardProducts {
  const ways = new Map<string, { orientation: ForwardOrientation; run: ForwardProduct }>();
  const product: ForwardProduct = (rows, n, k, h, w, out) => {
    const key = `${rows}×${n}×${k}`;
    let way = ways.get(key);
    if (way === undefined) {
      const orientation = choose(blas, [rows, n, k], h, w);
      const run = orientation.transposed
        ? viaTransposed(blas, new Float32Array(rows * n))
        : direct(blas);
      way = { orientation, run };
      ways.set(key, way);
    }
    way.run(rows, n, k, h, w, out);
  };
  return Object.assign(product, {
    orientations: () => [...ways.values()].map((w) => w.orientation),
  });
}
