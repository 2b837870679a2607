import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  chooseForward,
  cpuFlags,
  forwardProducts,
  kernelCandidates,
  loadOpenBlas,
} from '../internal';
import type { OpenBlas } from './openblas';

// The lesson's forward products: a batch of 32 through 784-512-256-10.
const SHAPES = [
  [32, 512, 784],
  [32, 256, 512],
  [32, 10, 256],
] as const;

const operands = (rows: number, n: number, k: number) => ({
  h: Float32Array.from({ length: rows * k }, (_, i) => Math.max(0, Math.sin(i * 0.7)) * 1.3),
  w: Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.13) * 0.04),
});

const bits = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

// CI installs Debian's libopenblas0-pthread (.ci/run); without it these fail and say so.
describe('forward products, directly or transposed (needs libopenblas0-pthread)', () => {
  it('gives the direct product bit for bit, whichever way each shape was chosen', async () => {
    const blas = await loadOpenBlas();
    const product = forwardProducts(blas);
    for (const [rows, n, k] of SHAPES) {
      const { h, w } = operands(rows, n, k);
      const expected = new Float32Array(rows * n);
      blas.sgemm(false, true, rows, n, k, h, k, w, k, expected, n);
      // Twice: the first product chooses, the second runs the chosen way.
      for (let i = 0; i < 2; i++) {
        const out = new Float32Array(rows * n).fill(Number.NaN);
        product(rows, n, k, h, w, out);
        expect(bits(out)).toEqual(bits(expected));
      }
    }
    const chosen = product.orientations();
    expect(chosen.map((o) => o.shape)).toEqual(SHAPES.map((s) => [...s]));
    for (const o of chosen) {
      expect(o.transposed).toBe(o.reason === 'faster');
      if (o.micros !== undefined) {
        expect(o.reason).toMatch(/^(faster|not faster)$/);
        if (o.transposed) expect(o.micros.transposed).toBeLessThan(0.95 * o.micros.direct);
      }
    }
  });

  it('keeps the direct product where the transposed one rounds differently, or cannot be made', async () => {
    const blas = await loadOpenBlas();
    const { h, w } = operands(32, 512, 784);
    // A library whose transposition is off by one unit in one element: what other rounding looks like.
    const transpose = blas.transpose;
    expect(transpose).toBeDefined();
    const skewed: OpenBlas = Object.assign(Object.create(blas) as OpenBlas, {
      transpose: (rows: number, cols: number, a: Float32Array, b: Float32Array) => {
        transpose?.(rows, cols, a, b);
        const word = new Int32Array(b.buffer, b.byteOffset, b.length);
        word[77] = (word[77] as number) + 1;
      },
    });
    expect(chooseForward(skewed, [32, 512, 784], h, w)).toEqual({
      shape: [32, 512, 784],
      transposed: false,
      reason: 'other bits',
    });
    const plain: OpenBlas = Object.assign(Object.create(blas) as OpenBlas, {
      transpose: undefined,
    });
    expect(chooseForward(plain, [32, 512, 784], h, w)).toMatchObject({
      transposed: false,
      reason: 'no transpose in this library',
    });
  });

  // CI's machines force Haswell's kernels (OPENBLAS_CORETYPE), with which the transposed product
  // rounds differently: this runs the check where it can pass, with SkylakeX's.
  it.skipIf(!kernelCandidates(cpuFlags()).includes('SkylakeX'))(
    "computes with SkylakeX's kernels the same bits both ways (a CPU with AVX-512)",
    () => {
      const index = fileURLToPath(new URL('../../dist/internal.js', import.meta.url));
      const script = `import { forwardProducts, loadOpenBlas } from ${JSON.stringify(index)};
const blas = await loadOpenBlas();
const product = forwardProducts(blas);
for (const [r, n, k] of ${JSON.stringify(SHAPES)}) {
  const h = Float32Array.from({ length: r * k }, (_, i) => Math.max(0, Math.sin(i * 0.7)));
  const w = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.13) * 0.04);
  product(r, n, k, h, w, new Float32Array(r * n));
}
console.log(JSON.stringify({ core: blas.coreName, chosen: product.orientations() }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX' },
      });
      expect(r.status, r.stderr).toBe(0);
      const { core, chosen } = JSON.parse(r.stdout.trim());
      expect(core).toBe('SkylakeX');
      for (const o of chosen) expect(o.reason).not.toBe('other bits');
    },
    60_000,
  );
});
