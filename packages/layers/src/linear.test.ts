import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Linear } from './index';
import { describeBackends, expectAllClose, expectNoLeak, loadFixture } from './test-utils';

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
  it('matches PyTorch forward and all three gradients within 1e-5', () => {
    const layer = new Linear(6, 3);
    layer.loadStateDict({ weight: tf.tensor2d(fx.weight_out_in), bias: tf.tensor1d(fx.bias) });
    const x = tf.tensor2d(fx.x);
    const up = tf.tensor2d(fx.upstream_grad);
    const y = layer.forward(x);
    expectAllClose(y, fx.y);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.forward(x), up)) as tf.Scalar,
    );
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.forward(input), up)))(x);
    expectAllClose(dx, fx.dx);
    expectAllClose(grads[layer.weight.name] as tf.Tensor, fx.dweight_out_in);
    expectAllClose(grads[(layer.bias as tf.Variable).name] as tf.Tensor, fx.dbias);
    tf.dispose([x, up, y, value, dx, ...Object.values(grads)]);
    layer.dispose();
  });

  it("initializes weight and bias from PyTorch's U(±1/sqrt(in)), seeded", () => {
    const a = new Linear(784, 512, { rng: new Rng(1) });
    const b = new Linear(784, 512, { rng: new Rng(1) });
    const w = a.weight.dataSync();
    const bound = 1 / Math.sqrt(784);
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(0.999 * bound);
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(w));
    expect(a.weight.shape).toEqual([512, 784]);
    a.dispose();
    b.dispose();
  });

  it('leaks no tensors in forward and backward', () => {
    const layer = new Linear(6, 3);
    const x = tf.tensor2d(fx.x);
    expectNoLeak(() => {
      layer.forward(x).dispose();
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.forward(x)) as tf.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
    layer.dispose();
  });

  it('rejects a non-positive size, naming it', () => {
    expect(() => new Linear(0, 3)).toThrow('Linear: inFeatures must be a positive integer, got 0');
  });
});
