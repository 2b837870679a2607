import { initBackend, speedFixVariants } from '@mnist-lab/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, FusedMomentumOptimizer, SGD_MOMENTUM_KERNEL } from './index';
import { loadFixture, TEST_BACKENDS } from './test-utils';

interface SgdFixture {
  lr: number;
  momentum: number;
  param_init: number[];
  grads: number[][];
  param_after_each_step: number[][];
}
const fx = loadFixture<SgdFixture>('sgd_momentum');

// The fused kernel runs on wasm (OpenBLAS, or wasm SIMD without it); tfjs's own ops run on cpu.
const VARIANTS: Record<string, string> = {
  'wasm + OpenBLAS': 'openblas',
  'wasm, XNNPACK': 'wasm simd',
};
describe.each(TEST_BACKENDS)('SGD with momentum [$label]', ({ label, ...options }) => {
  const variant = VARIANTS[label];
  it("reproduces PyTorch's three steps (sgd_momentum.json) within 1e-6", async () => {
    await initBackend(options);
    expect(tf.getKernel(SGD_MOMENTUM_KERNEL, tf.getBackend()) !== undefined).toBe(
      variant !== undefined,
    );
    if (variant !== undefined) expect(speedFixVariants().wasm_MnistLabSgdMomentum).toBe(variant);
    const optimizer = createOptimizer({ name: 'sgd', lr: fx.lr, momentum: fx.momentum });
    expect(optimizer).toBeInstanceOf(FusedMomentumOptimizer);
    const start = tf.tensor1d(fx.param_init);
    const param = tf.variable(start);
    start.dispose();
    const before = tf.memory().numTensors;
    for (const [i, g] of fx.grads.entries()) {
      const grad = tf.tensor1d(g);
      optimizer.applyGradients({ [param.name]: grad });
      grad.dispose();
      expect(param.dataSync()).toBeAllclose(fx.param_after_each_step[i] as number[], {
        atol: 1e-6,
      });
    }
    // One velocity per parameter, kept by the optimizer; nothing else.
    expect(tf.memory().numTensors).toBe(before + 1);
    const weights = await optimizer.getWeights();
    expect(weights.map((w) => w.name)).toEqual(['iter', `${param.name}/momentum`]);
    optimizer.dispose();
    param.dispose();
  });
});
