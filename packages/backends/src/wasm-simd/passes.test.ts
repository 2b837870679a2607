import { describe, expect, it } from 'vitest';
import {
  type NormState,
  normBackward,
  normForward,
  normParamStep,
  updateStats,
} from '../kernels/mlp-step/norm';
import { activate, columnSums, maskFromWords } from '../kernels/mlp-step/passes';
import { simdPasses } from './passes';

// The SIMD passes against the JavaScript loops they stand in for (kernels/mlp-step/passes.ts), bit for bit, on
// a plain and a shared memory, with NaN, infinities, signed zeros and ties in the data.
function randomFloats(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    out[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 8;
  }
  out.set([0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e-45], 0);
  return out;
}

/** The bits of each float, every NaN as one (wasm leaves a NaN's sign to the machine). */
const bits = (a: Float32Array) =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b, i) =>
    Number.isNaN(a[i]) ? 'NaN' : b,
  );

for (const shared of [false, true]) {
  describe(`wasm SIMD passes (${shared ? 'shared' : 'plain'} memory)`, () => {
    const memory = new WebAssembly.Memory(
      shared ? { initial: 4, maximum: 16, shared: true } : { initial: 4 },
    );
    const passes = simdPasses(memory);
    const heap = () => new Float32Array(memory.buffer);
    /** Copies `data` to float offset `at`; returns its byte offset. */
    const put = (data: Float32Array, at: number) => {
      heap().set(data, at);
      return at * 4;
    };

    it('is available (Node has wasm SIMD)', () => {
      expect(passes).toBeDefined();
    });

    it.each(
      (['relu', 'sigmoid'] as const).flatMap((act) =>
        [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ].map(([withBias, withMask]) => [act, withBias, withMask] as const),
      ),
    )('%s with bias %s and mask %s matches the JavaScript pass', (act, withBias, withMask) => {
      const [rows, n] = [5, 12];
      const z = randomFloats(rows * n, act === 'relu' ? 1 : 11);
      const bias = randomFloats(n, 2);
      const mask = randomFloats(rows * n, 3).map((v) => (v > 0 ? 1.25 : 0));
      const out = put(z, 0);
      const b = withBias ? put(bias, 1000) : 0;
      const m = withMask ? put(mask, 2000) : 0;
      passes?.[act](out, b, m, 3000 * 4, rows, n);
      const expectedOut = z.slice();
      const expectedFactor = new Float32Array(rows * n);
      const [b2, m2] = [withBias ? bias : undefined, withMask ? mask : undefined];
      activate(expectedOut, n, b2, m2, expectedFactor, act);
      expect(bits(heap().subarray(0, rows * n))).toEqual(bits(expectedOut));
      expect(bits(heap().subarray(3000, 3000 + rows * n))).toEqual(bits(expectedFactor));
    });

    it("sigmoid's float64 polynomial rounds as Math.exp does, over 2¹⁸ inputs at every scale", () => {
      // z = ±m·2^e for e in [-30, 8): tiny, ordinary, and where σ under- or overflows float32,
      // plus the clamp's edges and float32's extremes.
      const n = 8192;
      let seed = 5;
      const next = () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
        return (seed >>> 0) / 2 ** 32;
      };
      const edges = [50, 87, 88.7, 100, 103.9, 104, 104.1, 110, 120, 121, 1e30, 3.4e38, 1e-40];
      for (let round = 0; round < 32; round++) {
        const z = new Float32Array(n).map(
          () => (next() - 0.5) * 2 ** (Math.floor(next() * 38) - 29),
        );
        if (round === 0) z.set([...edges, ...edges.map((e) => -e)], 0);
        put(z, 0);
        passes?.sigmoid(0, 0, 0, n * 4, 1, n);
        const expectedOut = z.slice();
        const expectedFactor = new Float32Array(n);
        activate(expectedOut, n, undefined, undefined, expectedFactor, 'sigmoid');
        expect(bits(heap().subarray(0, n))).toEqual(bits(expectedOut));
        expect(bits(heap().subarray(n, 2 * n))).toEqual(bits(expectedFactor));
      }
    });

    it('sigmoid calls Math.exp only where float32 rounding is in doubt, and then agrees', () => {
      // Inputs whose σ lies within 2⁻⁴² (relative) of a midpoint between two floats, found by
      // searching: there the polynomial's 2⁻⁴⁶ could round the other way, so each must fall back.
      let seed = 9;
      const near: number[] = [];
      while (near.length < 8) {
        seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
        const z = Math.fround(((seed >>> 0) / 2 ** 32 - 0.5) * 16);
        const s = 1 / (1 + Math.exp(-z));
        if (Math.fround(s * (1 - 2 ** -42)) !== Math.fround(s * (1 + 2 ** -42))) near.push(z);
      }
      let calls = 0;
      const counted = simdPasses(memory, (x) => {
        calls++;
        return Math.exp(x);
      });
      const plain = Float32Array.from({ length: 64 }, (_, i) => (i - 32) / 8);
      const run = (z: Float32Array) => {
        put(z, 0);
        counted?.sigmoid(0, 0, 0, 4096 * 4, 1, z.length);
        const expected = z.slice();
        activate(expected, z.length, undefined, undefined, new Float32Array(z.length), 'sigmoid');
        expect(bits(heap().subarray(0, z.length))).toEqual(bits(expected));
      };
      run(plain);
      expect(calls).toBe(0);
      run(Float32Array.from(near));
      // The four values of a vector are computed again: at least one call per input found.
      expect(calls).toBeGreaterThanOrEqual(near.length);
      expect(calls).toBeLessThanOrEqual(4 * near.length);
    });

    it.each(
      (['relu', 'sigmoid'] as const).flatMap((act) =>
        [0.5, 0.2, 0.9].map((p) => [act, p] as const),
      ),
    )('%s with dropout made from random words (p %s) matches the JavaScript passes', (act, p) => {
      const [rows, n] = [4, 8];
      const z = randomFloats(rows * n, 7);
      const bias = randomFloats(n, 8);
      const words = new Int32Array(rows * n).map((_, i) => Math.imul(i + 1, 0x9e3779b9));
      words.set([0, -1, 2 ** 31 - 1, -(2 ** 31)], 0);
      const threshold = Math.round(p * 2 ** 32);
      const keep = Math.fround(1 / (1 - p));
      new Int32Array(memory.buffer, 2000 * 4, rows * n).set(words);
      passes?.[act](put(z, 0), put(bias, 1000), 2000 * 4, 3000 * 4, rows, n, { threshold, keep });
      const mask = maskFromWords(words, threshold, keep, new Float32Array(rows * n));
      expect(new Set(mask)).toEqual(new Set([0, keep]));
      const [expectedOut, expectedFactor] = [z.slice(), new Float32Array(rows * n)];
      activate(expectedOut, n, bias, mask, expectedFactor, act);
      expect(bits(heap().subarray(0, rows * n))).toEqual(bits(expectedOut));
      expect(bits(heap().subarray(3000, 3000 + rows * n))).toEqual(bits(expectedFactor));
    });

    it('batch norm forward and backward match the JavaScript passes', () => {
      const [rows, n, eps, momentum, m, c] = [6, 8, 1e-5, 0.1, 0.5, -0.01];
      const finite = (k: number, seed: number) => randomFloats(k + 6, seed).slice(6);
      const [z, bias, dy] = [finite(rows * n, 11), finite(n, 12), finite(rows * n, 15)];
      const state = (): NormState => ({
        gamma: finite(n, 13).map((v) => 1 + v / 10),
        beta: finite(n, 14),
        gammaVelocity: finite(n, 16),
        betaVelocity: finite(n, 17),
        runningMean: new Float32Array(n),
        runningVar: new Float32Array(n).fill(1),
      });
      // JavaScript.
      const js = state();
      const saved = {
        xHat: new Float32Array(rows * n),
        invStd: new Float32Array(n),
        mean: new Float32Array(n),
      };
      const jsOut = z.slice();
      normForward(jsOut, bias, js, saved, new Float64Array(n), eps, momentum);
      const jsDy = dy.slice();
      normBackward(jsDy, saved, js, new Float64Array(2 * n), m, c);
      // SIMD, on the heap (float offsets), with the same per-feature steps in JavaScript.
      const [Z, B, G, BE, MEAN, INV, XHAT, DY, SUMS, SCALE] = [
        0, 100, 200, 300, 400, 500, 600, 800, 1000, 1100,
      ];
      const simd = state();
      put(z, Z);
      put(bias, B);
      put(simd.gamma, G);
      put(simd.beta, BE);
      put(dy, DY);
      const f64 = (at: number, k: number) => new Float64Array(memory.buffer, at * 4, k);
      passes?.addRows(Z * 4, B * 4, rows, n);
      passes?.colsum(Z * 4, SUMS * 4, rows, n);
      const mean = heap().subarray(MEAN, MEAN + n);
      f64(SUMS, n).forEach((v, j) => {
        mean[j] = v / rows;
      });
      passes?.sqdev(Z * 4, MEAN * 4, SUMS * 4, rows, n);
      const inv = heap().subarray(INV, INV + n);
      updateStats(f64(SUMS, n), mean, rows, simd, inv, eps, momentum);
      passes?.normalize(Z * 4, MEAN * 4, INV * 4, G * 4, BE * 4, XHAT * 4, rows, n);
      expect(bits(heap().subarray(Z, Z + rows * n))).toEqual(bits(jsOut));
      expect(bits(heap().subarray(XHAT, XHAT + rows * n))).toEqual(bits(saved.xHat));
      expect(bits(inv)).toEqual(bits(saved.invStd));
      expect(bits(simd.runningVar)).toEqual(bits(js.runningVar));
      passes?.dsums(DY * 4, XHAT * 4, SUMS * 4, rows, n);
      const gamma = heap().subarray(G, G + n);
      f64(SCALE, n).forEach((_, j, scale) => {
        scale[j] = ((gamma[j] as number) * (inv[j] as number)) / rows;
      });
      passes?.normgrad(DY * 4, XHAT * 4, SCALE * 4, SUMS * 4, rows, n, rows);
      normParamStep(f64(SUMS, 2 * n), { ...simd, gamma, beta: heap().subarray(BE, BE + n) }, m, c);
      expect(bits(heap().subarray(DY, DY + rows * n))).toEqual(bits(jsDy));
      expect(bits(gamma)).toEqual(bits(js.gamma));
      expect(bits(heap().subarray(BE, BE + n))).toEqual(bits(js.beta));
    });

    it('mul multiplies in place, rounding each product once to float32', () => {
      const [g, f] = [randomFloats(64, 4), randomFloats(64, 5)];
      passes?.mul(put(g, 0), put(f, 100), 64);
      const expected = g.map((v, i) => v * (f[i] as number));
      expect(bits(heap().subarray(0, 64))).toEqual(bits(expected));
    });

    it('colsum sums each column in float64 from the first row down', () => {
      const [rows, n] = [7, 10];
      const src = randomFloats(rows * n, 6).map((v, i) => (i < 6 ? 1 : v) * 1e3 ** (i % 3));
      new Float64Array(memory.buffer, 4096, n).fill(99); // overwritten, not added to
      passes?.colsum(put(src, 0), 4096, rows, n);
      const expected = columnSums(src, new Float64Array(n).fill(7));
      expect(Array.from(new Float64Array(memory.buffer, 4096, n))).toEqual(Array.from(expected));
    });
  });
}
