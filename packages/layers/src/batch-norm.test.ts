import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { BatchNorm1d } from './index';
import { describeBackends, expectAllClose, expectNoLeak, loadFixture, values } from './test-utils';

interface BnStep {
  x: number[][];
  upstream_grad: number[][];
  y: number[][];
  dx: number[][];
  dgamma: number[];
  dbeta: number[];
  running_mean_after: number[];
  running_var_after: number[];
}
interface BnFixture {
  momentum_torch: number;
  eps: number;
  gamma: number[];
  beta: number[];
  running_mean_init: number[];
  running_var_init: number[];
  train_steps: BnStep[];
  eval: { x: number[][]; y: number[][] };
}
const fx = loadFixture<BnFixture>('batchnorm1d');

function fixtureLayer(): BatchNorm1d {
  const bn = new BatchNorm1d(5, { eps: fx.eps, momentum: fx.momentum_torch });
  const state = {
    weight: tf.tensor1d(fx.gamma),
    bias: tf.tensor1d(fx.beta),
    running_mean: tf.tensor1d(fx.running_mean_init),
    running_var: tf.tensor1d(fx.running_var_init),
    num_batches_tracked: tf.scalar(0, 'int32'),
  };
  bn.loadStateDict(state);
  tf.dispose(Object.values(state));
  return bn;
}

describeBackends('BatchNorm1d', () => {
  it('matches two PyTorch training steps (outputs, gradients, running stats) and eval within 1e-5', async () => {
    const bn = fixtureLayer();
    for (const [i, step] of fx.train_steps.entries()) {
      const x = tf.tensor2d(step.x);
      const up = tf.tensor2d(step.upstream_grad);
      const y = bn.forward(x, { training: true });
      await expectAllClose(y, step.y);
      y.dispose();
      // The gradient pass runs forward again, which updates the running stats a second time:
      // restore them to the values after this step's first forward.
      const runningMean = tf.clone(bn.runningMean);
      const runningVar = tf.clone(bn.runningVar);
      await expectAllClose(runningMean, step.running_mean_after);
      await expectAllClose(runningVar, step.running_var_after);
      const loss = (input: tf.Tensor) => tf.sum(tf.mul(bn.forward(input, { training: true }), up));
      const dx = tf.grad(loss)(x);
      const { value, grads } = tf.variableGrads(
        () => loss(x) as tf.Scalar,
        [bn.weight as tf.Variable, bn.bias as tf.Variable],
      );
      await expectAllClose(dx, step.dx);
      await expectAllClose(grads[(bn.weight as tf.Variable).name] as tf.Tensor, step.dgamma);
      await expectAllClose(grads[(bn.bias as tf.Variable).name] as tf.Tensor, step.dbeta);
      bn.runningMean.assign(runningMean);
      bn.runningVar.assign(runningVar);
      bn.numBatchesTracked.assign(tf.scalar(i + 1, 'int32'));
      tf.dispose([x, up, dx, value, runningMean, runningVar, ...Object.values(grads)]);
    }
    expect(await values(bn.numBatchesTracked)).toEqual([2]);
    const evalX = tf.tensor2d(fx.eval.x);
    const evalY = bn.forward(evalX, { training: false });
    await expectAllClose(evalY, fx.eval.y);
    tf.dispose([evalX, evalY]);
    bn.dispose();
  });

  it('counts batches and leaves eval without side effects', async () => {
    const bn = new BatchNorm1d(5);
    const x = tf.tensor2d(fx.train_steps[0]?.x ?? []);
    bn.forward(x, { training: true }).dispose();
    bn.forward(x, { training: true }).dispose();
    const mean = await values(bn.runningMean);
    bn.forward(x, { training: false }).dispose();
    expect(await values(bn.runningMean)).toEqual(mean);
    expect(await values(bn.numBatchesTracked)).toEqual([2]);
    x.dispose();
    bn.dispose();
  });

  it('leaks no tensors in forward and backward, in both modes', async () => {
    const bn = fixtureLayer();
    const x = tf.tensor2d(fx.train_steps[0]?.x ?? []);
    await expectNoLeak(async () => {
      bn.forward(x, { training: true }).dispose();
      bn.forward(x, { training: false }).dispose();
      const { value, grads } = tf.variableGrads(
        () => tf.sum(bn.forward(x, { training: true })) as tf.Scalar,
      );
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
    bn.dispose();
  });

  it('names its state as PyTorch does and rejects bad arguments', async () => {
    const bn = new BatchNorm1d(4);
    expect(Object.keys(bn.stateDict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    expect(() => new BatchNorm1d(4, { momentum: 2 })).toThrow('momentum must be in [0, 1], got 2');
    const x = tf.zeros([1, 4]);
    expect(() => bn.forward(x, { training: true })).toThrow(
      'training needs more than 1 value per feature',
    );
    x.dispose();
    bn.dispose();
  });
});
