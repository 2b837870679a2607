import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { momentumUpdate, simdMomentum } from '../kernels/momentum-update';
import { backendMemory, f32 } from '../kernels/wasm-heap';
import { wasmHeap } from './test-utils';

// The SIMD products against tfjs-backend-wasm's own BatchMatMul (XNNPACK), bit for bit: the lesson's
// shapes, and shapes whose rows and columns leave every remainder (rows not a multiple of 4,
// columns not a multiple of 8 or 4), with operands read in place and transposed.

const { backend, gemm, at } = await wasmHeap();

/** Normal-ish floats from a seed, with exact zeros of both signs among them. */
function floats(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    out[i] = i % 17 === 0 ? (i % 34 === 0 ? 0 : -0) : ((s >>> 8) / 2 ** 24 - 0.5) * 4;
  }
  return out;
}

const bitsOf = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).buffer));
/** How many floats of `t` differ in their bits from `expected`, and the first: a short failure. */
function sameBits(t: tf.Tensor, expected: number[]) {
  const got = bitsOf(t);
  const differ = got.filter((b, i) => b !== expected[i]).length;
  return { differ, first: got.findIndex((b, i) => b !== expected[i]), length: got.length };
}
const same = (expected: number[]) => ({ differ: 0, first: -1, length: expected.length });
/** XNNPACK's `a·b` (a plain product: tfjs-wasm gives it to XNNPACK). */
const xnnpack = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.matMul(a, b);

// [m, k, n]: the lesson's products (as the step computes them), then remainders of every kind.
const SHAPES: [number, number, number][] = [
  [512, 784, 32],
  [256, 512, 32],
  [10, 256, 32],
  [32, 256, 512],
  [32, 10, 256],
  [512, 32, 784],
  [256, 32, 512],
  [10, 32, 256],
  [7, 13, 21],
  [1, 5, 3],
  [6, 1, 12],
];

describe('wasm SIMD products (XNNPACK-identical sums)', () => {
  it.each(SHAPES)(
    'A·B for A %i×%i, B %i columns: row-major, transposed, A read transposed, B in panels, both orders',
    (m, k, n) => {
      tf.tidy(() => {
        const a = tf.tensor2d(floats(m * k, m + k), [m, k]);
        const b = tf.tensor2d(floats(k * n, n + 1), [k, n]);
        const expected = bitsOf(xnnpack(a, b));
        const transposed = bitsOf(tf.transpose(xnnpack(a, b)));
        // B's panels of 8 columns, made from its transpose (n × k), where n allows.
        const panels = n % 8 === 0 ? tf.zeros([k, n]) : undefined;
        if (panels) gemm.panels(at(tf.transpose(b).clone()), at(panels), n, k);
        const aT = tf.transpose(a).clone();
        for (const order of [0, 1]) {
          const c = tf.zeros([m, n]);
          gemm.gemm(at(a), at(b), at(c), m, n, k, 4 * k, 4, 4 * n, 4, 4 * n, order);
          expect(sameBits(c, expected)).toEqual(same(expected));
          // Stored transposed: the n × m result.
          const ct = tf.zeros([n, m]);
          gemm.gemmT(at(a), at(b), at(ct), m, n, k, 4 * k, 4, 4 * n, 4, 4 * m, order);
          expect(sameBits(ct, transposed)).toEqual(same(transposed));
          // A given as its transpose (k × m) and read in place.
          const c2 = tf.zeros([m, n]);
          gemm.gemm(at(aT), at(b), at(c2), m, n, k, 4, 4 * m, 4 * n, 4, 4 * n, order);
          expect(sameBits(c2, expected)).toEqual(same(expected));
          if (panels) {
            const c3 = tf.zeros([n, m]);
            gemm.gemmT(at(a), at(panels), at(c3), m, n, k, 4 * k, 4, 32, 4 * k, 4 * m, order);
            expect(sameBits(c3, transposed)).toEqual(same(transposed));
          }
        }
      });
    },
  );

  it.each(SHAPES)(
    'the momentum update from the sums, as momentumUpdate gives it (A %i×%i, %i columns)',
    (m, k, n) => {
      tf.tidy(() => {
        const a = tf.tensor2d(floats(m * k, 3 * m + k), [m, k]);
        const b = tf.tensor2d(floats(k * n, 5 * n), [k, n]);
        const [mu, c] = [Math.fround(0.5), Math.fround(-0.01)];
        const fresh = () => [
          tf.tensor2d(floats(m * n, 11), [m, n]),
          tf.tensor2d(floats(m * n, 12), [m, n]),
        ];
        const [v1, w1] = fresh() as [tf.Tensor2D, tf.Tensor2D];
        const g = xnnpack(a, b);
        momentumUpdate(backend, simdMomentum(backendMemory(backend)), { g, v: v1, w: w1 }, mu, c);
        const [v2, w2] = fresh() as [tf.Tensor2D, tf.Tensor2D];
        const layout = [m, n, k, 4 * k, 4, 4 * n, 4, 4 * n, m % 2] as const;
        gemm.gemmUpdate(at(a), at(b), at(v2), ...layout, at(w2), mu, c);
        expect(sameBits(v2, bitsOf(v1))).toEqual(same(bitsOf(v1)));
        expect(sameBits(w2, bitsOf(w1))).toEqual(same(bitsOf(w1)));
      });
    },
  );

  it('transposes any shape, every bit pattern kept', () => {
    tf.tidy(() => {
      const src = tf.tensor2d(floats(7 * 13, 9), [7, 13]);
      f32(backend, src).set([Number.NaN, -0, Number.POSITIVE_INFINITY], 0);
      const dst = tf.zeros([13, 7]);
      gemm.transpose(at(src), at(dst), 7, 13);
      expect(bitsOf(dst)).toEqual(bitsOf(tf.transpose(src)));
    });
  });
});
