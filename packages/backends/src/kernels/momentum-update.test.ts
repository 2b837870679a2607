import { describe, expect, it } from 'vitest';
import { simdMomentum } from './momentum-update';

describe('momentum update in wasm SIMD', () => {
  it.each([
    ['a plain memory', new WebAssembly.Memory({ initial: 1 })],
    // A threaded tfjs-wasm build's memory is shared, with a maximum.
    ['a shared memory', new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true })],
  ])(
    'computes v = fl(fl(μ·v) + g), w = fl(w + fl(c·v)) bit for bit, in place on %s',
    (_, memory) => {
      const update = simdMomentum(memory);
      expect(update).toBeDefined();
      const n = 1000;
      const heap = new Float32Array(memory.buffer);
      // w at float 4, v at 2000, g at 3001: offsets need no alignment.
      const [w, v, g] = [4, 2000, 3001];
      let s = 7;
      const next = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32 - 0.5;
      };
      for (let i = 0; i < n; i++)
        [heap[w + i], heap[v + i], heap[g + i]] = [next(), next(), next()];
      const [m, c] = [Math.fround(0.5), Math.fround(-0.01)];
      const want = Array.from({ length: n }, (_, i) => {
        const vi = Math.fround(Math.fround(m * (heap[v + i] as number)) + (heap[g + i] as number));
        return [Math.fround((heap[w + i] as number) + Math.fround(c * vi)), vi];
      });
      const after = heap[w + n]; // just past the end: untouched
      update?.(4 * w, 4 * v, 4 * g, n, m, c);
      expect(Array.from(heap.subarray(w, w + n))).toEqual(want.map(([wi]) => wi));
      expect(Array.from(heap.subarray(v, v + n))).toEqual(want.map(([, vi]) => vi));
      expect(heap[w + n]).toBe(after);
    },
  );

  it('is undefined where there is no memory to bind to', () => {
    expect(simdMomentum(undefined)).toBeUndefined();
  });
});
