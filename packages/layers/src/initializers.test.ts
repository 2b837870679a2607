import { Rng } from '@mnist-lab/random';
import { describe, expect, it } from 'vitest';
import { type InitName, initDistribution, initializers, sample } from './index';
import { loadFixture } from './test-utils';

interface InitCase {
  fan_in: number;
  fan_out: number;
  [formula: string]: number;
}
const fx = loadFixture<{ cases: InitCase[] }>('initializers');

// Our initializer for each of the fixture's formulas.
const FORMULAS: [InitName, string][] = [
  ['torch-default', 'torch_linear_default_uniform_bound (kaiming_uniform a=sqrt(5))'],
  ['he-uniform', 'kaiming_uniform_bound (a=0, fan_in, leaky_relu gain sqrt(2))'],
  ['he-normal', 'kaiming_normal_std (a=0, fan_in)'],
  ['xavier-uniform', 'xavier_uniform_bound'],
  ['xavier-normal', 'xavier_normal_std'],
  ['lecun-uniform', 'lecun_uniform_bound'],
  ['lecun-normal', 'lecun_normal_std'],
];

describe('initializers against PyTorch (initializers.json)', () => {
  for (const c of fx.cases) {
    const shape = [c.fan_out, c.fan_in];
    for (const [name, formula] of FORMULAS) {
      it(`${name} on [${shape.join(', ')}]: the formula to 1e-12, and samples at seed 1 that follow it`, () => {
        const expected = c[formula] as number;
        const dist = initDistribution(name, shape);
        const n = c.fan_in * c.fan_out;
        const values = sample(dist, n, new Rng(1));
        let sum = 0;
        let sumSq = 0;
        let maxAbs = 0;
        for (const v of values) {
          sum += v;
          sumSq += v * v;
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        const mean = sum / n;
        const variance = sumSq / n - mean * mean;
        if (dist.kind === 'uniform') {
          expect(dist.bound).toBeCloseTo(expected, 12);
          // Bounds: every sample inside, and the extremes reached (n ≥ 2560 draws).
          expect(maxAbs).toBeLessThanOrEqual(Math.fround(expected));
          expect(maxAbs).toBeGreaterThan(0.99 * expected);
          // Mean 0 and variance b²/3, each within 5 standard errors.
          const b = expected;
          expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt((b * b) / 3 / n));
          expect(Math.abs(variance - (b * b) / 3)).toBeLessThan(
            5 * Math.sqrt((4 * b ** 4) / 45 / n),
          );
        } else if (dist.kind === 'normal') {
          expect(dist.std).toBeCloseTo(expected, 12);
          const s2 = expected * expected;
          expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(s2 / n));
          expect(Math.abs(variance - s2)).toBeLessThan(5 * Math.sqrt((2 * s2 * s2) / n));
        } else {
          throw new Error(`unexpected ${dist.kind}`);
        }
      });
    }
  }

  it('He fan-out mode and other gains follow calculate_gain', () => {
    expect(initDistribution(initializers.heNormal({ mode: 'fanOut' }), [256, 512])).toEqual({
      kind: 'normal',
      std: Math.SQRT2 / Math.sqrt(256),
    });
    const tanh = initDistribution(initializers.xavierUniform({ nonlinearity: 'tanh' }), [10, 256]);
    expect(tanh).toEqual({ kind: 'uniform', bound: (5 / 3) * Math.sqrt(6 / 266) });
  });

  it('constants, zeros and ones', () => {
    expect(
      Array.from(sample(initDistribution(initializers.constant(0.5), [2, 2]), 3, new Rng(0))),
    ).toEqual([0.5, 0.5, 0.5]);
    expect(initDistribution('zeros', [2, 2])).toEqual({ kind: 'constant', value: 0 });
    expect(initDistribution('ones', [2, 2])).toEqual({ kind: 'constant', value: 1 });
    expect(() => initDistribution({ name: 'constant' }, [2, 2])).toThrow(
      "'constant' needs a finite value",
    );
  });

  it('the same seed gives the same weights, another seed others', () => {
    const d = initDistribution('he-uniform', [8, 8]);
    expect(Array.from(sample(d, 64, new Rng(3)))).toEqual(Array.from(sample(d, 64, new Rng(3))));
    expect(Array.from(sample(d, 64, new Rng(3)))).not.toEqual(
      Array.from(sample(d, 64, new Rng(4))),
    );
  });
});
