import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  applyInit,
  crossEntropy,
  Linear,
  linearParameterCount,
  MLP_LIMITS,
  Mlp,
  MlpConfigError,
  parseMlpConfig,
} from './index';
import { describeBackends, expectAllClose, expectNoLeak, loadFixture, values } from './test-utils';

interface FcState {
  weight_out_in: number[][];
  bias: number[];
}
interface BnState {
  gamma: number[];
  beta: number[];
  running_mean: number[];
  running_var: number[];
}
interface TrainCase {
  dims: [number, number, number, number];
  activation: 'relu' | 'sigmoid';
  batchnorm: boolean;
  dropout: number;
  lr: number;
  momentum: number;
  init: { fc: FcState[] };
  steps: {
    x: number[][];
    labels: number[];
    loss: number;
    fc_after: FcState[];
    bn_after: BnState[];
  }[];
}
const fx = loadFixture<{ cases: TrainCase[] }>('mlp_train_steps');

describeBackends('Mlp: three whole PyTorch training steps (mlp_train_steps.json)', () => {
  for (const c of fx.cases) {
    it(`${c.activation}${c.batchnorm ? ' + BatchNorm1d' : ''}: loss, weights and running stats within 1e-5 after each step`, async () => {
      const [inputSize, h1, h2, classes] = c.dims;
      const model = new Mlp({
        inputSize,
        hidden: [h1, h2],
        numClasses: classes,
        activation: c.activation,
        dropout: c.dropout,
        batchNorm: c.batchnorm,
      });
      const init = Object.fromEntries(
        c.init.fc.flatMap((fc, i) => [
          [`fc${i + 1}.weight`, tf.tensor2d(fc.weight_out_in)],
          [`fc${i + 1}.bias`, tf.tensor1d(fc.bias)],
        ]),
      );
      model.loadStateDict(init, { strict: false });
      tf.dispose(Object.values(init));
      // PyTorch's SGD(lr, momentum) is v = μv + g; p -= lr·v: exactly tfjs's momentum optimizer.
      const optimizer = tf.train.momentum(c.lr, c.momentum);
      for (const step of c.steps) {
        const x = tf.tensor2d(step.x);
        const labels = tf.tensor1d(step.labels, 'int32');
        const loss = optimizer.minimize(
          () => crossEntropy(model.forward(x, { training: true }), labels),
          true,
          model.parameters(),
        );
        await expectAllClose(loss as tf.Scalar, step.loss);
        const state = model.stateDict();
        for (const [i, fc] of step.fc_after.entries()) {
          await expectAllClose(state[`fc${i + 1}.weight`] as tf.Tensor, fc.weight_out_in);
          await expectAllClose(state[`fc${i + 1}.bias`] as tf.Tensor, fc.bias);
        }
        for (const [i, bn] of step.bn_after.entries()) {
          await expectAllClose(state[`batch_norm${i + 1}.weight`] as tf.Tensor, bn.gamma);
          await expectAllClose(state[`batch_norm${i + 1}.bias`] as tf.Tensor, bn.beta);
          await expectAllClose(
            state[`batch_norm${i + 1}.running_mean`] as tf.Tensor,
            bn.running_mean,
          );
          await expectAllClose(
            state[`batch_norm${i + 1}.running_var`] as tf.Tensor,
            bn.running_var,
          );
        }
        tf.dispose([x, labels, loss as tf.Tensor]);
      }
      expect(await step3Count(model, c.batchnorm)).toBe(c.batchnorm ? 3 : undefined);
      optimizer.dispose();
      model.dispose();
    });
  }

  it('leaks no tensors in a training step or an evaluation', async () => {
    const model = new Mlp({ ...LESSON_PRESETS.he, inputSize: 20, hidden: [16, 8], numClasses: 4 });
    const optimizer = tf.train.momentum(0.01, 0.5);
    const x = tf.randomNormal([6, 20]);
    const labels = tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32');
    // The optimizer creates its momentum slots on the first step; count from the second.
    optimizer.minimize(
      () => crossEntropy(model.forward(x, { training: true }), labels),
      false,
      model.parameters(),
    );
    await expectNoLeak(async () => {
      optimizer.minimize(
        () => crossEntropy(model.forward(x, { training: true }), labels),
        false,
        model.parameters(),
      );
      model.forward(x, { training: false }).dispose();
    });
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  });
});

async function step3Count(model: Mlp, batchNorm: boolean): Promise<number | undefined> {
  if (!batchNorm) return undefined;
  return (await values(model.stateDict()['batch_norm1.num_batches_tracked']))[0];
}

// The lesson's four networks, as @mnist-lab/lesson names them: what the builder must build exactly.
const LESSON_PRESETS = {
  sigmoid: { activation: 'sigmoid', dropout: 0.5, batchNorm: false, init: 'torch-default' },
  relu: { activation: 'relu', dropout: 0.5, batchNorm: false, init: 'torch-default' },
  bn: { activation: 'relu', dropout: 0.5, batchNorm: true, init: 'torch-default' },
  he: { activation: 'relu', dropout: 0.5, batchNorm: true, init: 'he-uniform' },
} as const;

describe("the lesson's four networks", () => {
  const netState = {
    'fc1.weight': [512, 784],
    'fc1.bias': [512],
    'fc2.weight': [256, 512],
    'fc2.bias': [256],
    'fc3.weight': [10, 256],
    'fc3.bias': [10],
  };
  const bnState = {
    'batch_norm1.weight': [512],
    'batch_norm1.bias': [512],
    'batch_norm1.running_mean': [512],
    'batch_norm1.running_var': [512],
    'batch_norm1.num_batches_tracked': [],
    'batch_norm2.weight': [256],
    'batch_norm2.bias': [256],
    'batch_norm2.running_mean': [256],
    'batch_norm2.running_var': [256],
    'batch_norm2.num_batches_tracked': [],
  };

  it("have the state dict names, order and shapes of the lesson's Net", async () => {
    for (const [preset, expected] of [
      ['sigmoid', netState],
      ['relu', netState],
      ['bn', { ...netState, ...bnState }],
      ['he', { ...netState, ...bnState }],
    ] as const) {
      const model = new Mlp(LESSON_PRESETS[preset]);
      const shapes = Object.fromEntries(
        Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]),
      );
      expect(Object.keys(shapes)).toEqual(Object.keys(expected));
      expect(shapes).toEqual(expected);
      model.dispose();
    }
  });

  it('round-trip their state dict into a fresh model', async () => {
    const a = new Mlp({ ...LESSON_PRESETS.bn, seed: 1 });
    const b = new Mlp({ ...LESSON_PRESETS.bn, seed: 2 });
    b.loadStateDict(a.stateDict());
    for (const [key, t] of Object.entries(a.stateDict())) {
      expect(await values(b.stateDict()[key])).toEqual(await values(t));
    }
    a.dispose();
    b.dispose();
  });

  it('He init re-initializes weights from U(±sqrt(6/fan_in)) and keeps the default biases', async () => {
    const he = new Mlp({ ...LESSON_PRESETS.he, seed: 3 });
    const maxAbsOf = async (key: string) =>
      (await values(he.stateDict()[key])).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const maxAbs = await maxAbsOf('fc1.weight');
    expect(maxAbs).toBeGreaterThan(1 / Math.sqrt(784));
    expect(maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 784));
    expect(await maxAbsOf('fc1.bias')).toBeLessThanOrEqual(1 / Math.sqrt(784));
    he.dispose();
  });

  it('applyInit leaves biases untouched with only: weight', async () => {
    const layer = new Linear(4, 3);
    const bias = await values(layer.bias);
    const weight = await values(layer.weight);
    applyInit(layer, 'he-normal', { rng: new Rng(9) });
    expect(await values(layer.bias)).toEqual(bias);
    expect(await values(layer.weight)).not.toEqual(weight);
    layer.dispose();
  });
});

describe('MLP config validation', () => {
  it('fills in the lesson defaults', async () => {
    expect(parseMlpConfig({})).toEqual({
      inputSize: 784,
      hidden: [512, 256],
      numClasses: 10,
      activation: 'relu',
      dropout: 0.5,
      batchNorm: false,
      init: 'torch-default',
      output: 'log-softmax',
      seed: 0,
    });
  });

  it('names every bad field', async () => {
    const error = (() => {
      try {
        parseMlpConfig({ hidden: [512, -3], activation: 'swish', dropout: 1, hiden: [1] });
      } catch (e) {
        return e as MlpConfigError;
      }
      throw new Error('expected an MlpConfigError');
    })();
    expect(error).toBeInstanceOf(MlpConfigError);
    const text = error.issues.join('\n');
    expect(text).toMatch(/^hidden\.1: /m);
    expect(text).toMatch(/^activation: .*"relu"/m);
    expect(text).toMatch(/^dropout: /m);
    expect(text).toMatch(/hiden/);
  });

  it.each([
    [{ hidden: [1e9] }, 'hidden.0: Too big: expected number to be <=16384'],
    [{ hidden: Array(200).fill(64) }, 'hidden: Too big: expected array to have <=32 items'],
    [
      { hidden: [16384, 16384, 16384] },
      'hidden: the network would have 549928970 parameters; at most 50000000 are allowed',
    ],
    [{ inputSize: 2 ** 30 }, 'inputSize: Too big: expected number to be <=1048576'],
  ])('refuses networks past MLP_LIMITS before allocating anything: %j', (config, issue) => {
    let error: unknown;
    try {
      parseMlpConfig(config);
    } catch (e) {
      error = e;
    }
    expect(MlpConfigError.isInstance(error)).toBe(true);
    expect((error as MlpConfigError).issues).toEqual([issue]);
  });

  it('counts the lesson network at 535 818 parameters, far inside the limit', () => {
    expect(linearParameterCount([784, 512, 256, 10])).toBe(535_818);
    expect(MLP_LIMITS.maxParameters).toBeGreaterThan(535_818 * 90);
  });
});
