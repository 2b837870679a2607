import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calculateGain } from './index';

interface InitCase {
  fan_in: number;
  'kaiming_uniform_bound (a=0, fan_in, leaky_relu gain sqrt(2))': number;
  'torch_linear_default_uniform_bound (kaiming_uniform a=sqrt(5))': number;
}
const fixture = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/torch-parity/initializers.json', import.meta.url),
    'utf8',
  ),
) as { cases: InitCase[] };

describe('calculateGain (PyTorch torch.nn.init.calculate_gain)', () => {
  it('reproduces the kaiming_uniform_ and nn.Linear default bounds of the fixture to 1e-12', () => {
    for (const c of fixture.cases) {
      const he = calculateGain('leaky_relu', 0) * Math.sqrt(3 / c.fan_in);
      expect(he).toBeCloseTo(c['kaiming_uniform_bound (a=0, fan_in, leaky_relu gain sqrt(2))'], 12);
      const torchDefault = calculateGain('leaky_relu', Math.sqrt(5)) * Math.sqrt(3 / c.fan_in);
      expect(torchDefault).toBeCloseTo(
        c['torch_linear_default_uniform_bound (kaiming_uniform a=sqrt(5))'],
        12,
      );
    }
  });

  it('gives the closed-form gains of the other nonlinearities', () => {
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / 1.0001), 15);
    expect(calculateGain('selu')).toBe(0.75);
  });
});
