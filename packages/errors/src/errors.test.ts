import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  assertInteger,
  assertPositiveInteger,
  hasMarker,
  MnistLabError,
} from './index';

describe('errors', () => {
  it('are recognized by marker, as a copy of the package would make them', () => {
    const copy = Object.assign(new Error('x'), { [Symbol.for('mnist-lab.error')]: true });
    expect(MnistLabError.isInstance(copy)).toBe(true);
    expect(MnistLabError.isInstance(new Error('x'))).toBe(false);
    expect(MnistLabError.isInstance(null)).toBe(false);
    expect(hasMarker('text', Symbol.for('mnist-lab.error'))).toBe(false);
  });

  it('check arguments, naming the argument, the value and what was expected', () => {
    expect(assertPositiveInteger(3, 'Linear: inFeatures')).toBe(3);
    for (const bad of [0, -1, 1.5, Number.NaN, '3', undefined]) {
      let error: unknown;
      try {
        assertPositiveInteger(bad, 'Linear: inFeatures');
      } catch (e) {
        error = e;
      }
      expect(ArgumentError.isInstance(error)).toBe(true);
      expect(MnistLabError.isInstance(error)).toBe(true);
      expect((error as ArgumentError).argument).toBe('Linear: inFeatures');
      expect((error as Error).message).toMatch(
        /^Linear: inFeatures must be a positive integer, got /,
      );
    }
    expect(() => assertInteger(2 ** 53, 'seed')).toThrow(
      'seed must be an integer, got 9007199254740992',
    );
    expect(assertInteger(-4, 'seed')).toBe(-4);
  });
});
