import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasmFill } from './fill-wasm';
import { Rng } from './rng';

/** How many of `a` and `b`'s words differ (a count, not a diff of arrays of 40 000 words). */
const differing = (a: Uint32Array, b: Uint32Array) =>
  a.length === b.length ? a.reduce((n, x, i) => n + (x === b[i] ? 0 : 1), 0) : -1;

describe('fillUint32 in WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('is there in Node (every engine mnist-lab supports has WebAssembly)', () => {
    expect(wasmFill()).toBeDefined();
  });

  it.each([256, 257, 258, 259, 260, 16_383, 16_384, 16_385, 40_003])(
    'gives the words nextUint32 gives, and the same state after (%i words)',
    (n) => {
      const filled = new Rng(n);
      const called = new Rng(n);
      filled.nextUint32(); // any state, not only a fresh one
      called.nextUint32();
      const words = filled.fillUint32(new Uint32Array(n));
      const expected = Uint32Array.from({ length: n }, () => called.nextUint32());
      expect(differing(words, expected)).toBe(0);
      expect(filled.getState()).toEqual(called.getState());
      expect(filled.nextUint32()).toBe(called.nextUint32());
    },
  );

  it('fills whole groups of four and says how many words it filled', () => {
    const out = new Uint32Array(1003).fill(7);
    expect(wasmFill()?.(new Int32Array([1, 2, 3, 4]), out)).toBe(1000);
    expect([...out.subarray(1000)]).toEqual([7, 7, 7]);
    expect(out[999]).not.toBe(7);
  });

  it('fills a subarray in place, leaving the words around it', () => {
    const buffer = new Uint32Array(1000).fill(7);
    new Rng(3).fillUint32(buffer.subarray(100, 900));
    const expected = new Rng(3).fillUint32(new Uint32Array(800).map((_, i) => i % 5));
    expect(differing(buffer.subarray(100, 900), expected)).toBe(0);
    expect([buffer[99], buffer[900]]).toEqual([7, 7]);
  });

  it('without WebAssembly, fills with the JavaScript loop: the same words', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const fresh = await import('./rng');
    const { wasmFill: none } = await import('./fill-wasm');
    expect(none()).toBeUndefined();
    const words = new fresh.Rng(11).fillUint32(new Uint32Array(5000));
    vi.unstubAllGlobals();
    expect(differing(words, new Rng(11).fillUint32(new Uint32Array(5000)))).toBe(0);
  });
});
