import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { f32 } from '../kernels/wasm-heap';
import { panelListBytes } from './sparse-forward';
import { bits, differing, wasmHeap } from './test-utils';

// The forward product over each panel's listed indices against gemmT over all of them (itself
// XNNPACK's bits: wasm-simd/gemm.test.ts), bit for bit: inputs shaped like MNIST images (zeros
// around a blob, each example's in another place), fully dense, and all zero.

const { backend, gemm, at } = await wasmHeap();

/** A generator of floats in [0, 1) from a seed. */
function uniform(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 8) / 2 ** 24;
  };
}

/** Weights: signed, some tiny (products that underflow to ±0). */
function weights(n: number, seed: number): Float32Array {
  const next = uniform(seed);
  return new Float32Array(n).map((_, i) => {
    const x = (next() - 0.5) * 0.2;
    return i % 23 === 0 ? x * 2 ** -140 : x;
  });
}

/**
 * `rows` inputs of `k` values: each non-zero only on a window of about `share` of its indices, at a
 * place of its own (as a digit's pixels), with -0s among the zeros; `share` 1: all dense.
 */
function inputs(rows: number, k: number, seed: number, share: number): Float32Array {
  const next = uniform(seed);
  const out = new Float32Array(rows * k);
  const width = Math.round(share * k);
  for (let r = 0; r < rows; r++) {
    const from = Math.floor(next() * (k - width + 1));
    for (let i = 0; i < k; i++) {
      const on = i >= from && i < from + width && next() < (share === 1 ? 1 : 0.7);
      out[r * k + i] = on ? next() : i % 3 === 0 ? -0 : 0;
    }
  }
  return out;
}

/** `zᵀ = W·hᵀ` for `W` `m×k`, `h` `n×k` (`n` a multiple of 8): dense, and over the panels' lists. */
function bothWays(m: number, k: number, n: number, share: number, seed: number) {
  const w = tf.tensor2d(weights(m * k, seed), [m, k]);
  const values = inputs(n, k, seed + 1, share);
  const h = tf.tensor2d(values, [n, k]);
  const panels = tf.zeros([k, n]);
  gemm.panels(at(h), at(panels), n, k);
  const args = [m, n, k, 4 * k, 4, 32, 4 * k, 4 * m, 0] as const;
  const dense = tf.fill([n, m], 7);
  gemm.gemmT(at(w), at(panels), at(dense), ...args);
  const list = tf.zeros([panelListBytes(n, k) / 4], 'int32');
  const listed = gemm.panelLists(at(panels), n, k, 32, 4 * k, 4, at(list));
  const sparse = tf.fill([n, m], 7);
  gemm.gemmTListed(at(w), at(panels), at(sparse), ...args, at(list));
  return { dense, sparse, listed, values };
}

/** How many of `h`'s panel rows (8 examples at one index) hold anything but ±0. */
function nonZeroPanelRows(h: Float32Array, n: number, k: number): number {
  let count = 0;
  for (let p = 0; p < n / 8; p++)
    for (let i = 0; i < k; i++) {
      let any = false;
      for (let r = 8 * p; r < 8 * p + 8; r++) if ((h[r * k + i] as number) !== 0) any = true;
      if (any) count++;
    }
  return count;
}

// [m, k, n]: the lesson's first and second layers (batch 32), then remainders of rows of W.
const SHAPES: [number, number, number][] = [
  [512, 784, 32],
  [256, 512, 32],
  [10, 256, 8],
  [7, 13, 16],
  [1, 5, 8],
];

describe("the forward product over listed indices (gemmT's bits)", () => {
  it.each(SHAPES)('W %i×%i, %i inputs: a fifth, half and all of each input non-zero', (m, k, n) => {
    for (const share of [0.2, 0.5, 1]) {
      tf.tidy(() => {
        const { dense, sparse, listed, values } = bothWays(m, k, n, share, m + k + n);
        expect(differing(sparse, dense)).toBe(0);
        expect(listed).toBe(nonZeroPanelRows(values, n, k));
        if (share < 1 && k > 100) expect(listed).toBeLessThan((n / 8) * k);
        if (share === 1) expect(listed).toBe((n / 8) * k);
      });
    }
  });

  it('lists nothing for all-zero inputs, whose sums are all +0, as the dense ones', () => {
    tf.tidy(() => {
      const { dense, sparse, listed } = bothWays(64, 100, 16, 0, 9);
      expect(listed).toBe(0);
      expect(differing(sparse, dense)).toBe(0);
      expect(bits(sparse).every((b) => b === 0)).toBe(true);
    });
  });

  it('lists each panel apart: a panel with one non-zero input lists just its indices', () => {
    tf.tidy(() => {
      const [n, k] = [16, 40];
      const h = tf.zeros([n, k]);
      const values = f32(backend, h);
      values[3 * k + 7] = 1; // panel 0, index 7
      values[12 * k + 7] = -0; // panel 1: still all ±0 at 7
      values[12 * k + 30] = 2; // panel 1, index 30
      const panels = tf.zeros([k, n]);
      gemm.panels(at(h), at(panels), n, k);
      const list = tf.zeros([panelListBytes(n, k) / 4], 'int32');
      expect(gemm.panelLists(at(panels), n, k, 32, 4 * k, 4, at(list))).toBe(2);
      // Panel p's part: its end, then entries of k·sk (sk 4) and k·ldb (ldb 32).
      const words = new Int32Array(tf.clone(list).dataSync());
      const part = (p: number) => words.slice(p * 2 * (k + 1) + 2, p * 2 * (k + 1) + 4);
      expect([...part(0)]).toEqual([7 * 4, 7 * 32]);
      expect([...part(1)]).toEqual([30 * 4, 30 * 32]);
    });
  });
});
