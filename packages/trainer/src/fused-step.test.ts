import { initBackend } from '@mnist-lab/backends';
import { MLP_SGD_STEP_KERNEL } from '@mnist-lab/contracts';
import { crossEntropy, Mlp, type MlpConfigInput, nllLoss } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createOptimizer,
  fit,
  fusedStep,
  parseOptimizerConfig,
  planFusedStep,
  setLearningRate,
} from './index';
import { arraySource, fixtureModel, loadFixture, MemoryStore, type TrainCase } from './test-utils';

const fx = loadFixture<{ cases: TrainCase[] }>('mlp_train_steps');
const sgd = () => createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.5 });

/** The lesson's network, small, with random (seeded) inputs: `steps` batches of 32. */
function batches(steps: number, inputSize: number) {
  return Array.from({ length: steps }, (_, i) => ({
    x: tf.randomUniform([32, inputSize], 0, 1, 'float32', 100 + i),
    y: tf.tensor1d(
      Array.from({ length: 32 }, (_, r) => (r * 7 + i) % 10),
      'int32',
    ),
  }));
}

/** Trains `steps` steps, fused or through tfjs's gradients, and returns the weights and losses. */
async function train(config: MlpConfigInput, steps: number, fused: boolean) {
  const model = new Mlp({ inputSize: 64, hidden: [48, 32], seed: 3, ...config });
  const optimizer = sgd();
  const params = model.parameters();
  const losses: number[] = [];
  let fusedCount = 0;
  for (const { x, y } of batches(steps, 64)) {
    const step = fused ? fusedStep(model, optimizer, params, crossEntropy, x, y) : undefined;
    if (step !== undefined) fusedCount++;
    const loss =
      step?.loss ??
      (optimizer.minimize(
        () => crossEntropy(model.forward(x, { training: true }), y),
        true,
        params,
      ) as tf.Scalar);
    if (step === undefined) tf.dispose([x, y]);
    step?.correct.dispose();
    losses.push(loss.dataSync()[0] as number);
    loss.dispose();
  }
  // Parameters, then buffers (running statistics, batch counts).
  const weights = [...model.namedParameters(), ...model.namedBuffers()].map(([name, v]) => [
    name,
    Array.from(v.dataSync()),
  ]);
  const rng = model.namedGenerators().map(([, g]) => g.getState());
  const named = await optimizer.getWeights();
  // Each velocity's slot, by the index of the parameter whose variable it names.
  const names = params.map((p) => `${p.name}/momentum`);
  const state = named.map((s) => ({
    slot: s.name === 'iter' ? 'iter' : names.indexOf(s.name),
    values: Array.from(s.tensor.dataSync()),
  }));
  tf.dispose(named.map((s) => s.tensor).filter((t) => t.isDisposed === false && t.size === 1));
  return { weights, losses, fusedCount, rng, model, optimizer, state };
}

describe.each([
  ['wasm + OpenBLAS', 'require'],
  ['wasm, XNNPACK (as in a browser)', 'off'],
] as const)('fused training step (%s)', (_, blas) => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', blas });
  });

  it.each(
    fx.cases.map((c) => [`${c.activation}${c.batchnorm ? ' + batch norm' : ''}`, c] as const),
  )(
    "takes PyTorch's three fixture steps within 1e-5 (%s), as one kernel call each",
    async (_, c) => {
      const model = fixtureModel(c);
      const optimizer = createOptimizer({ name: 'sgd', lr: c.lr, momentum: c.momentum });
      for (const [k, step] of c.steps.entries()) {
        const x = tf.tensor2d(step.x);
        const y = tf.tensor1d(step.labels, 'int32');
        const result = fusedStep(model, optimizer, model.parameters(), crossEntropy, x, y);
        expect(result, 'the fused kernel ran').toBeDefined();
        expect([(await result?.loss.data())?.[0] as number]).toBeAllclose([step.loss], {
          atol: 1e-5,
        });
        const state = model.stateDict();
        for (const [j, fc] of step.fc_after.entries()) {
          expect(state[`fc${j + 1}.weight`]?.dataSync()).toBeAllclose(fc.weight_out_in.flat(), {
            atol: 1e-5,
          });
          expect(state[`fc${j + 1}.bias`]?.dataSync()).toBeAllclose(fc.bias, { atol: 1e-5 });
        }
        for (const [j, bn] of (step.bn_after ?? []).entries()) {
          const name = `batch_norm${j + 1}`;
          expect(state[`${name}.weight`]?.dataSync(), name).toBeAllclose(bn.gamma, { atol: 1e-5 });
          expect(state[`${name}.bias`]?.dataSync(), name).toBeAllclose(bn.beta, { atol: 1e-5 });
          expect(state[`${name}.running_mean`]?.dataSync(), name).toBeAllclose(bn.running_mean, {
            atol: 1e-5,
          });
          expect(state[`${name}.running_var`]?.dataSync(), name).toBeAllclose(bn.running_var, {
            atol: 1e-5,
          });
          expect(state[`${name}.num_batches_tracked`]?.dataSync()[0]).toBe(k + 1);
        }
        tf.dispose([result?.loss, result?.correct] as tf.Tensor[]);
      }
      optimizer.dispose();
      model.dispose();
    },
  );

  it.each([
    ['relu', 0.5, false],
    ['sigmoid', 0.5, false],
    ['relu', 0, false],
    ['relu', 0.5, true],
    ['sigmoid', 0.5, true],
  ] as const)(
    'agrees with tfjs ops and gradients over 20 steps (%s, dropout %s, batch norm %s): losses within 1e-5, weights and running statistics within 1e-5, the same masks drawn',
    async (activation, dropout, batchNorm) => {
      const fused = await train({ activation, dropout, batchNorm }, 20, true);
      const unfused = await train({ activation, dropout, batchNorm }, 20, false);
      expect(fused.fusedCount).toBe(20);
      expect(fused.losses).toBeAllclose(unfused.losses, { atol: 1e-5 });
      fused.weights.forEach(([name, w], i) => {
        expect(w as number[], name as string).toBeAllclose(unfused.weights[i]?.[1] as number[], {
          atol: 1e-5,
        });
      });
      // Dropout's generator ends where the unfused forward passes leave it.
      expect(fused.rng).toEqual(unfused.rng);
      // The optimizer's state has the same names, slots and iteration count as tfjs's own.
      const slots = ['iter', ...fused.weights.slice(0, batchNorm ? 10 : 6).map((_, i) => i)];
      expect(fused.state.map((s) => s.slot)).toEqual(slots);
      expect(unfused.state.map((s) => s.slot)).toEqual(slots);
      expect(fused.state[0]?.values).toEqual(unfused.state[0]?.values);
      for (const r of [fused, unfused]) {
        r.optimizer.dispose();
        r.model.dispose();
      }
    },
  );

  it('gives bit-identical weights for the same seed', async () => {
    const a = await train({}, 10, true);
    const b = await train({}, 10, true);
    expect(a.weights).toEqual(b.weights);
    for (const r of [a, b]) {
      r.optimizer.dispose();
      r.model.dispose();
    }
  });

  it('steps through a plan as through fusedStep at every call, reading the learning rate as it is then', async () => {
    const config = { inputSize: 64, hidden: [48, 32], seed: 3, dropout: 0.5, batchNorm: true };
    const run = (how: 'each call' | 'plan', changeLr: boolean) => {
      const model = new Mlp(config);
      const optimizer = sgd();
      const params = model.parameters();
      const plan = planFusedStep(model, optimizer, params, crossEntropy);
      // Batches of 32, then of 20 (the mask words' arrays change size), then 32 again.
      const data = batches(6, 64).map(({ x, y }, i) =>
        i === 3 ? { x: tf.slice(x, 0, 20), y: tf.slice(y, 0, 20), dispose: [x, y] } : { x, y },
      );
      data.forEach((b, i) => {
        if (changeLr && i === 2) setLearningRate(optimizer, 0.05);
        const r =
          how === 'plan'
            ? plan?.step(b.x, b.y)
            : fusedStep(model, optimizer, params, crossEntropy, b.x, b.y);
        expect(r, `step ${i}`).toBeDefined();
        tf.dispose([r?.loss as tf.Tensor, r?.correct as tf.Tensor, ...(b.dispose ?? [])]);
      });
      const weights = model.namedParameters().map(([, v]) => Array.from(v.dataSync()));
      optimizer.dispose();
      model.dispose();
      return weights;
    };
    const planned = run('plan', true);
    expect(planned).toEqual(run('each call', true));
    expect(planned).not.toEqual(run('plan', false));
  });

  it('declines, drawing nothing, where it does not apply: batch norm on one row, tanh, Adam, another loss, part of the parameters', () => {
    const cases: [MlpConfigInput, () => tf.Optimizer, typeof crossEntropy, number, number][] = [
      [{ batchNorm: true }, sgd, crossEntropy, 0, 1],
      [{ activation: 'tanh' }, sgd, crossEntropy, 0, 2],
      [
        {},
        () => createOptimizer(parseOptimizerConfig({ name: 'adam', lr: 0.01 })),
        crossEntropy,
        0,
        2,
      ],
      [{ output: 'logits' }, sgd, nllLoss, 0, 2],
      [{}, sgd, (s, l) => tf.mul(crossEntropy(s, l), 2) as tf.Scalar, 0, 2],
      [{}, sgd, crossEntropy, 2, 2],
    ];
    for (const [config, makeOptimizer, loss, drop, rows] of cases) {
      const model = new Mlp({ inputSize: 8, hidden: [4], seed: 1, ...config });
      const optimizer = makeOptimizer();
      const rng = model.namedGenerators().map(([, g]) => g.getState());
      const [x, y] = [tf.ones([rows, 8]), tf.tensor1d([0, 1].slice(0, rows), 'int32')];
      const params = model.parameters().slice(drop);
      expect(
        fusedStep(model, optimizer, params, loss, x, y),
        JSON.stringify(config),
      ).toBeUndefined();
      expect(model.namedGenerators().map(([, g]) => g.getState())).toEqual(rng);
      expect(x.isDisposed).toBe(false);
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    }
  });

  it('is what fit uses by default, and fusedSteps: false turns it off', async () => {
    const kernel = tf.getKernel(MLP_SGD_STEP_KERNEL, 'wasm');
    expect(kernel).toBeDefined();
    let calls = 0;
    tf.unregisterKernel(MLP_SGD_STEP_KERNEL, 'wasm');
    tf.registerKernel({
      ...(kernel as tf.KernelConfig),
      kernelFunc: (args) => {
        calls++;
        return (kernel as tf.KernelConfig).kernelFunc(args);
      },
    });
    try {
      const source = arraySource(() => [{ x: [[0.1, 0.2, 0.3, 0.4]], y: [1] }]);
      for (const fusedSteps of [true, false]) {
        const model = new Mlp({ inputSize: 4, hidden: [3], seed: 1 });
        await fit(model, source, {
          epochs: 2,
          optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
          checkpoint: { store: new MemoryStore() },
          fusedSteps,
        });
        model.dispose();
      }
      expect(calls).toBe(2);
    } finally {
      tf.unregisterKernel(MLP_SGD_STEP_KERNEL, 'wasm');
      tf.registerKernel(kernel as tf.KernelConfig);
    }
  });
});
