import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { f32 } from '../kernels/wasm-heap';
import { differing, wasmHeap } from './test-utils';

// The sparse products against the dense ones (themselves XNNPACK's bits: wasm-simd/gemm.test.ts),
// bit for bit: A with three quarters of its values ±0 (as ReLU and dropout leave a gradient), none,
// or all, read row-major and transposed in place; B finite, which `finite` checks.

const { backend, gemm, at } = await wasmHeap();

/** Floats from a seed; about `zeros` of them ±0 (both signs), some tiny (products that underflow). */
function floats(n: number, seed: number, zeros = 0): Float32Array {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 8) / 2 ** 24;
  };
  return new Float32Array(n).map((_, i) => {
    if (next() < zeros) return i % 2 === 0 ? 0 : -0;
    const x = (next() - 0.5) * 4;
    return i % 23 === 0 ? x * 2 ** -70 : x;
  });
}

// [m, k, n]: the lesson's weight gradients (A = dzᵀ, k = the batch) and input gradient (A = dz),
// then remainders of every kind.
const SHAPES: [number, number, number][] = [
  [512, 32, 784],
  [256, 32, 512],
  [32, 256, 512],
  [7, 13, 21],
  [6, 1, 12],
  [1, 5, 3],
];

describe("sparse wasm SIMD products (the dense kernels' bits)", () => {
  it.each(SHAPES)(
    'A %i×%i by %i columns, A row-major and read transposed, 0, 3/4 and all zeros',
    (m, k, n) => {
      for (const zeros of [0, 0.75, 1]) {
        tf.tidy(() => {
          const a = tf.tensor2d(floats(m * k, m + k, zeros), [m, k]);
          const aT = tf.transpose(a).clone();
          const b = tf.tensor2d(floats(k * n, n + 1), [k, n]);
          const list = tf.zeros([2 * k], 'int32');
          const dense = tf.zeros([m, n]);
          gemm.gemm(at(a), at(b), at(dense), m, n, k, 4 * k, 4, 4 * n, 4, 4 * n, 0);
          const sparse = tf.fill([m, n], 7);
          gemm.gemmSparse(
            at(a),
            at(b),
            at(sparse),
            m,
            n,
            k,
            4 * k,
            4,
            4 * n,
            4,
            4 * n,
            0,
            at(list),
          );
          expect(differing(sparse, dense)).toBe(0);
          const read = tf.fill([m, n], 7);
          gemm.gemmSparse(at(aT), at(b), at(read), m, n, k, 4, 4 * m, 4 * n, 4, 4 * n, 0, at(list));
          expect(differing(read, dense)).toBe(0);
        });
      }
    },
  );

  it.each(SHAPES)(
    'the momentum update from sparse sums, as from dense ones (A %i×%i, %i columns)',
    (m, k, n) => {
      tf.tidy(() => {
        const a = tf.tensor2d(floats(m * k, 3 * m + k, 0.75), [m, k]);
        const b = tf.tensor2d(floats(k * n, 5 * n), [k, n]);
        const [mu, c] = [Math.fround(0.5), Math.fround(-0.01)];
        const layout = [m, n, k, 4 * k, 4, 4 * n, 4, 4 * n, 0] as const;
        const fresh = () => [
          tf.tensor2d(floats(m * n, 11), [m, n]),
          tf.tensor2d(floats(m * n, 12), [m, n]),
        ];
        const [v1, w1] = fresh() as [tf.Tensor2D, tf.Tensor2D];
        gemm.gemmUpdate(at(a), at(b), at(v1), ...layout, at(w1), mu, c);
        const [v2, w2] = fresh() as [tf.Tensor2D, tf.Tensor2D];
        const list = tf.zeros([2 * k], 'int32');
        gemm.gemmUpdateSparse(at(a), at(b), at(v2), ...layout, at(w2), mu, c, at(list));
        expect([differing(v2, v1), differing(w2, w1)]).toEqual([0, 0]);
      });
    },
  );

  it('finite: 1 for finite floats (any count), 0 with an infinity or NaN anywhere', () => {
    tf.tidy(() => {
      const x = tf.tensor1d(floats(1027, 4, 0.5));
      expect([gemm.finite(at(x), 1027), gemm.finite(at(x), 0), gemm.finite(at(x), 3)]).toEqual([
        1, 1, 1,
      ]);
      for (const [where, value] of [
        [0, Number.POSITIVE_INFINITY],
        [517, Number.NaN],
        [1026, Number.NEGATIVE_INFINITY],
      ] as const) {
        const y = x.clone();
        f32(backend, y)[where] = value;
        expect(gemm.finite(at(y), 1027)).toBe(0);
        expect(gemm.finite(at(y), where)).toBe(1);
      }
    });
  });
});
