import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import {
  Activation,
  type ActivationName,
  activationFunctions,
  PReLU,
  SERLU_ALPHA,
  SERLU_LAMBDA,
} from './index';
import { describeBackends, expectAllClose, expectNoLeak, loadFixture } from './test-utils';

interface ActFixture {
  x: number[];
  serlu_constants: { lambda: number; alpha: number };
  prelu_weight_grad: number[];
  functions: Record<string, { y: number[]; dydx: number[] }>;
}
const fx = loadFixture<ActFixture>('activations');

// The fixture's names for our activations (PReLU is tested as a module below).
const FIXTURE_NAMES = {
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'relu',
  'leaky-relu': 'leaky_relu_0.01',
  elu: 'elu_1.0',
  selu: 'selu',
  serlu: 'serlu',
  gelu: 'gelu',
  silu: 'silu',
} as const satisfies Record<Exclude<ActivationName, 'prelu'>, string>;

describeBackends('activations', () => {
  for (const [name, fixtureName] of Object.entries(FIXTURE_NAMES)) {
    it(`${name}: value and derivative match PyTorch within 1e-5`, async () => {
      const f = activationFunctions[name as keyof typeof FIXTURE_NAMES];
      const ref = fx.functions[fixtureName];
      if (ref === undefined) throw new Error(`fixture has no ${fixtureName}`);
      const x = tf.tensor1d(fx.x);
      await expectNoLeak(async () => {
        const y = f(x);
        await expectAllClose(y, ref.y);
        const dydx = tf.grad((input: tf.Tensor) => tf.sum(f(input)))(x);
        await expectAllClose(dydx, ref.dydx);
        tf.dispose([y, dydx]);
      });
      x.dispose();
    });
  }

  it('prelu: value, derivative and weight gradient match PyTorch within 1e-5', async () => {
    const ref = fx.functions['prelu_0.25'];
    const prelu = new PReLU();
    const x = tf.tensor1d(fx.x);
    await expectAllClose(prelu.forward(x), ref?.y ?? []);
    const dydx = tf.grad((input: tf.Tensor) => tf.sum(prelu.forward(input)))(x);
    await expectAllClose(dydx, ref?.dydx ?? []);
    const { value, grads } = tf.variableGrads(() => tf.sum(prelu.forward(x)) as tf.Scalar);
    await expectAllClose(grads[prelu.weight.name] as tf.Tensor, fx.prelu_weight_grad);
    tf.dispose([x, dydx, value, ...Object.values(grads)]);
    prelu.dispose();
  });
});

it("SERLU's constants are the fixture's", async () => {
  expect(SERLU_LAMBDA).toBe(fx.serlu_constants.lambda);
  expect(SERLU_ALPHA).toBe(fx.serlu_constants.alpha);
});

it('Activation names an unknown activation', async () => {
  expect(() => new Activation('swish' as never)).toThrow("unknown activation 'swish'");
});
