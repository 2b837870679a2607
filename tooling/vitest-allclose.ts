// Vitest setup: `expect(actual).toBeAllclose(expected, { atol, rtol })`, the one closeness check of
// every numeric test. Element-wise |a − e| ≤ max(atol, rtol·|e|): absolute near zero, relative
// above one when atol = rtol (the parity tests' "tol · max(1, |e|)"). Names the first element that
// is not close. Registered by the packages' vitest configs; its types by their tsconfigs.
import { expect } from 'vitest';

/** Tolerances of {@link toBeAllclose}; each defaults to 1e-5, `rtol` to `atol`. */
export interface AllcloseOptions {
  readonly atol?: number;
  readonly rtol?: number;
}

declare module 'vitest' {
  interface Matchers<T> {
    /** Every element within max(atol, rtol·|expected|) of `expected` (same length). */
    toBeAllclose(expected: ArrayLike<number> | number, options?: AllcloseOptions): T;
  }
}

expect.extend({
  toBeAllclose(
    received: ArrayLike<number> | number,
    expected: ArrayLike<number> | number,
    options: AllcloseOptions = {},
  ) {
    const atol = options.atol ?? 1e-5;
    const rtol = options.rtol ?? atol;
    const a = typeof received === 'number' ? [received] : Array.from(received);
    const e = typeof expected === 'number' ? [expected] : Array.from(expected);
    if (a.length !== e.length)
      return { pass: false, message: () => `length ${a.length}, expected ${e.length}` };
    for (let i = 0; i < e.length; i++) {
      const x = a[i] as number;
      const y = e[i] as number;
      const bound = Math.max(atol, rtol * Math.abs(y));
      if (!(Math.abs(x - y) <= bound)) {
        return {
          pass: false,
          message: () =>
            `element ${i}: got ${x}, expected ${y} (|difference| ${Math.abs(x - y)} > ${bound})`,
        };
      }
    }
    return { pass: true, message: () => `all ${e.length} elements within tolerance` };
  },
});
