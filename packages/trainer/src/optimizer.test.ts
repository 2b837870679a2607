import { initBackend } from '@mnist-lab/backends';
import { speedFixVariants } from '@mnist-lab/backends/internal';
import { SGD_MOMENTUM_KERNEL } from '@mnist-lab/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createOptimizer,
  encodeOptimizer,
  FusedMomentumOptimizer,
  loadOptimizerBytes,
  parseOptimizerConfig,
} from './index';
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
    if (variant !== undefined)
      expect(speedFixVariants()[`wasm_${SGD_MOMENTUM_KERNEL}`]).toBe(variant);
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

describe('an optimizer saved and restored (checkpoints)', () => {
  // Every optimizer the CLI offers (its RMSProp is not centered). After 40 steps a restored copy must take the next steps to the
  // same bits as the original: Adam's running products β₁ᵗ and β₂ᵗ included, which tfjs's
  // setWeights recomputes as pow(β, t + 1) (from step 18 on they differ in most steps).
  const CONFIGS = [
    { name: 'sgd', lr: 0.1, momentum: 0 },
    { name: 'sgd', lr: 0.1, momentum: 0.5 },
    { name: 'adam', lr: 0.01 },
    { name: 'rmsprop', lr: 0.01, momentum: 0.5 },
  ] as const;
  const gradients = (step: number) =>
    tf.tensor1d(Array.from({ length: 16 }, (_, i) => Math.sin(step * 1.3 + i * 0.7)));

  it.each(CONFIGS)('resumes %j to the bits of an uninterrupted run', async (config) => {
    await initBackend({ prefer: 'cpu' });
    const run = (optimizer: tf.Optimizer, w: tf.Variable, from: number, to: number) => {
      for (let step = from; step < to; step++) {
        const g = gradients(step);
        optimizer.applyGradients([{ name: w.name, tensor: g }]);
        g.dispose();
      }
    };
    const fresh = () => tf.variable(tf.linspace(-1, 1, 16), true);
    const whole = fresh();
    const original = createOptimizer(parseOptimizerConfig(config));
    run(original, whole, 0, 60);
    const cut = fresh();
    const first = createOptimizer(parseOptimizerConfig(config));
    run(first, cut, 0, 40);
    const bytes = await encodeOptimizer(first);
    const second = createOptimizer(parseOptimizerConfig(config));
    // The restored optimizer's slots are named for the variable they belong to, as fit's are.
    await loadOptimizerBytes(second, bytes);
    run(second, cut, 40, 60);
    expect(Array.from(await cut.data())).toEqual(Array.from(await whole.data()));
    tf.dispose([whole, cut]);
    for (const o of [original, first, second]) o.dispose();
  });
});
