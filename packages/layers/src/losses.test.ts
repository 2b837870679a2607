import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { crossEntropy, crossEntropyPerExample, nllLoss, nllLossPerExample } from './index';
import { describeBackends, expectAllClose, expectNoLeak, loadFixture } from './test-utils';

interface CeFixture {
  logits: number[][];
  labels: number[];
  loss_mean: number;
  dlogits: number[][];
}
const fx = loadFixture<CeFixture>('cross_entropy');

describeBackends('losses', () => {
  it("the lesson's loss, CrossEntropyLoss(log_softmax(z)), and its gradient match PyTorch within 1e-5", async () => {
    const z = tf.tensor2d(fx.logits);
    const labels = tf.tensor1d(fx.labels, 'int32');
    await expectNoLeak(async () => {
      const f = (logits: tf.Tensor) => tf.tidy(() => crossEntropy(tf.logSoftmax(logits), labels));
      const loss = f(z);
      await expectAllClose(loss, fx.loss_mean);
      const dz = tf.grad(f)(z);
      await expectAllClose(dz, fx.dlogits);
      // Idempotence: the same value on raw logits, and NLL on log-probabilities.
      const direct = crossEntropy(z, labels);
      const nll = tf.tidy(() => nllLoss(tf.logSoftmax(z), labels));
      await expectAllClose(direct, fx.loss_mean);
      await expectAllClose(nll, fx.loss_mean);
      tf.dispose([loss, dz, direct, nll]);
    });
    tf.dispose([z, labels]);
  });

  it("per example: each row's loss in closed form (log Σ eᶻ − z at the label), their mean PyTorch's within 1e-5", async () => {
    const z = tf.tensor2d(fx.logits);
    const labels = tf.tensor1d(fx.labels, 'int32');
    const closed = fx.logits.map((row, i) => {
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      return lse - (row[fx.labels[i] as number] as number);
    });
    await expectNoLeak(async () => {
      const each = crossEntropyPerExample(z, labels);
      const nll = tf.tidy(() => nllLossPerExample(tf.logSoftmax(z), labels));
      expect(each.shape).toEqual([fx.labels.length]);
      await expectAllClose(each, closed);
      await expectAllClose(nll, closed);
      const mean = tf.mean(each);
      await expectAllClose(mean, fx.loss_mean);
      tf.dispose([each, nll, mean]);
    });
    const one = tf.tensor1d([1], 'int32');
    expect(() => crossEntropyPerExample(z, one)).toThrow(
      `crossEntropyPerExample: expected labels [${fx.labels.length}], got [1]`,
    );
    tf.dispose([z, labels, one]);
  });

  it('rejects labels that do not match the batch', async () => {
    const z = tf.zeros([3, 10]);
    const labels = tf.tensor1d([1, 2], 'int32');
    expect(() => crossEntropy(z, labels)).toThrow('crossEntropy: expected labels [3], got [2]');
    tf.dispose([z, labels]);
  });
});
