import { ArgumentError, assertPositiveInteger } from '@mnist-lab/errors';
import * as tf from '@tensorflow/tfjs-core';
import { type ForwardOptions, Module } from './module';

/** SERLU's constants (Zhang & Li 2018), as PyTorch's reference fixture uses them. */
export const SERLU_LAMBDA = 1.07862;
/** SERLU's α (see {@link SERLU_LAMBDA}). */
export const SERLU_ALPHA = 2.90427;

/** Activation names, as configs and the CLI's `--activation` spell them. */
export const ACTIVATION_NAMES = [
  'sigmoid',
  'tanh',
  'relu',
  'leaky-relu',
  'elu',
  'selu',
  'prelu',
  'serlu',
  'gelu',
  'silu',
] as const;
/** One of {@link ACTIVATION_NAMES}. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** Leaky ReLU with PyTorch's default negative slope 0.01. */
export function leakyRelu(x: tf.Tensor, negativeSlope = 0.01): tf.Tensor {
  return tf.leakyRelu(x, negativeSlope);
}

/** SERLU: `λx` for `x ≥ 0`, `λαx·eˣ` for `x < 0`. */
export function serlu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.where(
      tf.greaterEqual(x, 0),
      tf.mul(x, SERLU_LAMBDA),
      tf.mul(tf.mul(x, tf.exp(x)), SERLU_LAMBDA * SERLU_ALPHA),
    ),
  );
}

/** GELU, exact (PyTorch's default `approximate='none'`): `x · Φ(x) = x/2 · (1 + erf(x/√2))`. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

/** SiLU (swish): `x · sigmoid(x)`. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** The parameter-free activations as functions (PReLU has a learnable weight: see {@link PReLU}). */
export const activationFunctions: Readonly<
  Record<Exclude<ActivationName, 'prelu'>, (x: tf.Tensor) => tf.Tensor>
> = {
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  'leaky-relu': (x) => leakyRelu(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  serlu,
  gelu,
  silu,
};

/** A parameter-free activation as a module, for {@link Sequential}. */
export class Activation extends Module {
  readonly activation: Exclude<ActivationName, 'prelu'>;

  constructor(activation: Exclude<ActivationName, 'prelu'>) {
    super();
    if (!(activation in activationFunctions)) {
      throw new ArgumentError(
        'Activation',
        `Activation: unknown activation '${activation}'; expected one of ${Object.keys(activationFunctions).join(', ')}`,
      );
    }
    this.activation = activation;
  }

  forward(x: tf.Tensor, _options?: ForwardOptions): tf.Tensor {
    return activationFunctions[this.activation](x);
  }
}

/** Options of {@link PReLU}; the defaults are PyTorch's. */
export interface PReLUArgs {
  /** One slope shared by all channels (1, the default) or one per feature. */
  readonly numParameters?: number;
  /** The slopes' initial value. Defaults to 0.25. */
  readonly init?: number;
}

/** PReLU, PyTorch's `nn.PReLU`: `max(0, x) + a · min(0, x)` with a learnable slope `a` (`weight`). */
export class PReLU extends Module {
  readonly weight: tf.Variable;

  constructor(args: PReLUArgs = {}) {
    super();
    const n = assertPositiveInteger(args.numParameters ?? 1, 'PReLU: numParameters');
    this.weight = this.registerParameter('weight', tf.fill([n], args.init ?? 0.25));
  }

  forward(x: tf.Tensor, _options?: ForwardOptions): tf.Tensor {
    return tf.prelu(x, this.weight);
  }
}
