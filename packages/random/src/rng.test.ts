import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from './index';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference C implementation from state [1, 2, 3, 4]', () => {
    // Output of Blackman & Vigna's xoshiro128starstar.c, compiled with gcc, from s = {1, 2, 3, 4}.
    const rng = Rng.fromState([1, 2, 3, 4]);
    const out = Array.from({ length: 8 }, () => rng.nextUint32());
    expect(out).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
  });

  it('fills arrays with exactly the values nextUint32 would give, and continues the stream', () => {
    const a = new Rng(99);
    const b = new Rng(99);
    const filled = Array.from(a.fillUint32(new Uint32Array(1000)));
    expect(filled).toEqual(Array.from({ length: 1000 }, () => b.nextUint32()));
    expect(a.getState()).toEqual(b.getState());
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const seqA = Array.from({ length: 16 }, () => a.nextUint32());
    expect(Array.from({ length: 16 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 16 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('continues exactly from a saved state', () => {
    const rng = new Rng('checkpoint');
    for (let i = 0; i < 100; i++) rng.nextUint32();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = Array.from({ length: 10 }, () => rng.nextFloat());
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 10 }, () => restored.nextFloat())).toEqual(expected);
  });

  it('rejects invalid seeds and states with a message naming them', () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be an integer/);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all-zero/);
    expect(() => Rng.fromState([1, 2, 3] as never)).toThrow(/four unsigned 32-bit/);
  });

  it('draws uniform floats: mean 1/2 and variance 1/12 within 4 standard errors (n = 100000)', () => {
    const rng = new Rng(1);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.nextFloat();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt(1 / 180 / n));
  });

  it('draws standard normals: mean 0 and variance 1 within 4 standard errors (n = 100000)', () => {
    const rng = new Rng(2);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.nextNormal();
      sum += x;
      sumSq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  it('draws bounded integers evenly: chi-square over 10 bins below the 0.999 quantile (27.88)', () => {
    const rng = new Rng(3);
    const counts = new Float64Array(10);
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const k = rng.nextInt(10);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    const chi2 = counts.reduce((acc, c) => acc + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.88);
  });

  it('makes permutations that hold every index once', () => {
    const p = new Rng(4).permutation(1000);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('derives distinct, stable seeds from named parts', () => {
    expect(deriveSeed(1, 'shuffle', 0)).toBe(deriveSeed(1, 'shuffle', 0));
    expect(deriveSeed(1, 'shuffle', 0)).not.toBe(deriveSeed(1, 'shuffle', 1));
    expect(deriveSeed(1, 'shuffle', 0)).not.toBe(deriveSeed(1, 'dropout', 0));
  });
});
