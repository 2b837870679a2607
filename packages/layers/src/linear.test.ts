import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Linear } from './index';
import { describeBackends, expectAllClose, expectNoLeak, loadFixture, values } from './test-utils';

interface LinearFixture {
  x: number[][];
  weight_out_in: number[][];
  bias: number[];
  upstream_grad: number[][];
  y: number[][];
  dx: number[][];
  dweight_out_in: number[][];
  dbias: number[];
}
const fx = loadFixture<LinearFixture>('linear');

describeBackends('Linear', () => {
  it('matches PyTorch forward and all three gradients within 1e-5', async () => {
    const layer = new Linear(6, 3);
    layer.loadStateDict({ weight: tf.tensor2d(fx.weight_out_in), bias: tf.tensor1d(fx.bias) });
    const x = tf.tensor2d(fx.x);
    const up = tf.tensor2d(fx.upstream_grad);
    const y = layer.forward(x);
    await expectAllClose(y, fx.y);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.forward(x), up)) as tf.Scalar,
    );
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.forward(input), up)))(x);
    await expectAllClose(dx, fx.dx);
    await expectAllClose(grads[layer.weight.name] as tf.Tensor, fx.dweight_out_in);
    await expectAllClose(grads[(layer.bias as tf.Variable).name] as tf.Tensor, fx.dbias);
    tf.dispose([x, up, y, value, dx, ...Object.values(grads)]);
    layer.dispose();
  });

  it("initializes weight and bias from PyTorch's U(±1/sqrt(in)), seeded", async () => {
    const a = new Linear(784, 512, { rng: new Rng(1) });
    const b = new Linear(784, 512, { rng: new Rng(1) });
    const w = await values(a.weight);
    const bound = 1 / Math.sqrt(784);
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(0.999 * bound);
    expect(await values(b.weight)).toEqual(w);
    expect(a.weight.shape).toEqual([512, 784]);
    a.dispose();
    b.dispose();
  });

  it('leaks no tensors in forward and backward', async () => {
    const layer = new Linear(6, 3);
    const x = tf.tensor2d(fx.x);
    await expectNoLeak(async () => {
      layer.forward(x).dispose();
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.forward(x)) as tf.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
    layer.dispose();
  });

  it('rejects a non-positive size, naming it', async () => {
    expect(() => new Linear(0, 3)).toThrow('Linear: inFeatures must be a positive integer, got 0');
  });
});
