// The shared toBeAllclose matcher (tooling/vitest-allclose.ts) that every numeric test relies on:
// it must fail where it should.
import { describe, expect, it } from 'vitest';

describe('toBeAllclose', () => {
  it('passes within max(atol, rtol·|e|) and names the first element that is not close', () => {
    expect([1, 2, 1000]).toBeAllclose([1 + 9e-6, 2, 1000 + 9e-3]);
    expect(Float32Array.from([0.5])).toBeAllclose(0.5);
    expect(() => expect([1, 2]).toBeAllclose([1, 2.1])).toThrow(
      /^element 1: got 2, expected 2\.1 \(\|difference\| 0\.1\d* > 0\.0000210*2\)$/,
    );
    expect(() => expect([1000]).toBeAllclose([1000.02])).toThrow(/element 0/);
    expect(() => expect([1, 2]).toBeAllclose([1])).toThrow('length 2, expected 1');
    expect(() => expect([Number.NaN]).toBeAllclose([0])).toThrow(/element 0: got NaN/);
    expect([1.5]).toBeAllclose([1.6], { atol: 0.2 });
  });
});
