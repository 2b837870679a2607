import { describe, expect, it } from 'vitest';
import { learningRateAt } from './index';

describe('learningRateAt', () => {
  it('keeps the base rate without a schedule', () => {
    expect(learningRateAt(0.01, undefined, 7)).toBe(0.01);
  });

  it('decays by gamma every stepSize epochs (StepLR)', () => {
    const s = { type: 'step', stepSize: 3, gamma: 0.5 } as const;
    expect([0, 2, 3, 5, 6].map((e) => learningRateAt(0.1, s, e))).toEqual([
      0.1, 0.1, 0.05, 0.05, 0.025,
    ]);
  });

  it('follows the cosine curve from the base rate to minLr (CosineAnnealingLR)', () => {
    const s = { type: 'cosine', tMax: 10, minLr: 0.001 } as const;
    expect(learningRateAt(0.1, s, 0)).toBeCloseTo(0.1, 15);
    expect(learningRateAt(0.1, s, 5)).toBeCloseTo(0.0505, 15);
    expect(learningRateAt(0.1, s, 10)).toBeCloseTo(0.001, 15);
  });
});
