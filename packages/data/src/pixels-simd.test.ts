import { describe, expect, it } from 'vitest';
import { simdPixels } from './pixels-simd';
import { MNIST_NORMALIZATION, pixelTable } from './preprocess';

const bits = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe('pixels in wasm SIMD', () => {
  it.each([
    ['scaled', undefined],
    ['MNIST-normalized', MNIST_NORMALIZATION],
    ['odd normalization', { mean: -3.25, std: 1e-3 }],
  ])('gives the table of %s pixels bit for bit, for images of any size', (_name, norm) => {
    const table = pixelTable(norm);
    const simd = simdPixels(table, Math.fround(norm?.mean ?? 0), Math.fround(norm?.std ?? 1));
    expect(simd, 'Node has wasm SIMD').toBeDefined();
    // 7 images of 29 bytes (not a multiple of 16), every byte value among them, picked out of order.
    const images = Uint8Array.from({ length: 7 * 29 }, (_, i) => (i * 37 + 11) % 256);
    for (const indices of [[3, 0, 6, 1], [5], [0, 1, 2, 3, 4, 5, 6, 6, 2]]) {
      const got = simd?.convert(images, indices, 29) as Float32Array;
      const expected = indices.flatMap((j) =>
        Array.from(images.subarray(j * 29, (j + 1) * 29), (b) => table[b] as number),
      );
      expect(got.length).toBe(expected.length);
      expect(bits(got)).toEqual(bits(Float32Array.from(expected)));
    }
  });

  it('grows its memory for a large batch (1024 MNIST images)', () => {
    const table = pixelTable(MNIST_NORMALIZATION);
    const simd = simdPixels(table, Math.fround(0.1307), Math.fround(0.3081));
    const images = Uint8Array.from({ length: 1100 * 784 }, (_, i) => (i * 7) % 251);
    const indices = Array.from({ length: 1024 }, (_, i) => 1099 - i);
    const got = simd?.convert(images, indices, 784) as Float32Array;
    expect(got.length).toBe(1024 * 784);
    expect(got[0]).toBe(table[images[1099 * 784] as number]);
    expect(got[1024 * 784 - 1]).toBe(table[images[76 * 784 + 783] as number]);
  });

  it('is not used where its arithmetic would not give the table (a value changed by a bit)', () => {
    const table = pixelTable(MNIST_NORMALIZATION);
    const skewed = Float32Array.from(table);
    const words = new Uint32Array(skewed.buffer);
    words[200] = (words[200] as number) + 1;
    expect(simdPixels(skewed, Math.fround(0.1307), Math.fround(0.3081))).toBeUndefined();
    expect(simdPixels(table, Math.fround(0.1307), Math.fround(0.3081))).toBeDefined();
  });
});
