import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from './index';

describe('initBackend (Node)', () => {
  it.each(['cpu', 'wasm'] as const)('starts %s with gradients registered', async (name) => {
    const report = await initBackend({ prefer: name });
    expect(report.backend).toBe(name);
    expect(tf.getBackend()).toBe(name);
    expect(report.tfjsVersion).toBe('4.22.0');
    // d/dx sum(x / 2) = 1/2: fails with "gradient function not found for RealDiv" if unregistered.
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.div(x, tf.scalar(2))))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(await g.data())).toEqual([0.5, 0.5, 0.5]);
    g.dispose();
  });

  it('names the package to install when tensorflow is asked for and absent', async () => {
    const error = await initBackend({ prefer: 'tensorflow' }).catch((e: unknown) => e);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/@tensorflow\/tfjs-node/);
  });
});
