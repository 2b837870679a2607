import { describe, expect, it } from 'vitest';
import {
  BLAS_MODES,
  BROWSER_BACKENDS,
  isOneOf,
  LAYER_INPUTS,
  NODE_BACKENDS,
  NORM_INPUTS,
  stepInput,
  stepStateInputs,
} from './index';

describe('the fused step’s inputs', () => {
  it('names a layer’s input by kind and index', () => {
    expect(stepInput('weight', 0)).toBe('weight0');
    expect(stepInput('maskBits', 2)).toBe('maskBits2');
    expect(stepInput('runningVar', 1)).toBe('runningVar1');
  });

  it('lists the state in the outputs’ order: each layer’s four, then each normed layer’s six', () => {
    expect(stepStateInputs(2, [])).toEqual([
      'weight0',
      'bias0',
      'weightVelocity0',
      'biasVelocity0',
      'weight1',
      'bias1',
      'weightVelocity1',
      'biasVelocity1',
    ]);
    // The lesson's bn network: 3 layers, both hidden layers normalized.
    const bn = stepStateInputs(3, [true, true]);
    expect(bn).toHaveLength(3 * LAYER_INPUTS.length + 2 * NORM_INPUTS.length);
    expect(bn.slice(12, 18)).toEqual([
      'gamma0',
      'beta0',
      'gammaVelocity0',
      'betaVelocity0',
      'runningMean0',
      'runningVar0',
    ]);
    // Only the normalized layers add theirs.
    expect(stepStateInputs(3, [false, true]).slice(12)).toEqual(NORM_INPUTS.map((k) => `${k}1`));
  });
});

describe('the names', () => {
  it('keeps each list without repeats, in auto’s order', () => {
    expect(NODE_BACKENDS).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    expect(BROWSER_BACKENDS).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(BLAS_MODES).toEqual(['auto', 'off', 'require']);
    for (const list of [NODE_BACKENDS, BROWSER_BACKENDS, BLAS_MODES])
      expect(new Set(list).size).toBe(list.length);
  });

  it('narrows a string to a list’s member, and nothing else', () => {
    expect(isOneOf(NODE_BACKENDS, 'wasm')).toBe(true);
    expect(isOneOf(NODE_BACKENDS, 'webgl')).toBe(false);
    expect(isOneOf(BROWSER_BACKENDS, 'WASM')).toBe(false);
    expect(isOneOf(BLAS_MODES, undefined)).toBe(false);
    expect(isOneOf(BLAS_MODES, '__proto__')).toBe(false);
  });
});
