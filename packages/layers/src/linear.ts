import { assertPositiveInteger } from '@mnist-lab/errors';
import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { type InitConfig, type InitName, initDistribution, sample } from './initializers';
import { type ForwardOptions, Module } from './module';

/** Options of {@link Linear}. */
export interface LinearArgs {
  /** Add a learnable bias. Defaults to true. */
  readonly bias?: boolean;
  /** The generator for the initial weights; defaults to `new Rng(0)`. */
  readonly rng?: Rng;
}

/**
 * `y = x · Wᵀ + b`, PyTorch's `nn.Linear`: the weight is stored `[out, in]` as PyTorch stores it,
 * and both weight and bias start as U(±1/sqrt(in)), PyTorch's default.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(inFeatures: number, outFeatures: number, args: LinearArgs = {}) {
    super();
    assertPositiveInteger(inFeatures, 'Linear: inFeatures');
    assertPositiveInteger(outFeatures, 'Linear: outFeatures');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const rng = args.rng ?? new Rng(0);
    const shape = [outFeatures, inFeatures];
    this.weight = this.registerParameter(
      'weight',
      tf.tensor2d(sample(initDistribution('torch-default', shape), outFeatures * inFeatures, rng), [
        outFeatures,
        inFeatures,
      ]),
    );
    this.bias =
      (args.bias ?? true)
        ? this.registerParameter(
            'bias',
            tf.tensor1d(sample(initDistribution('torch-default', shape), outFeatures, rng)),
          )
        : undefined;
  }

  forward(x: tf.Tensor, _options?: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D, false, true);
      return this.bias === undefined ? y : tf.add(y, this.bias);
    });
  }

  /**
   * Re-initializes the weight (and the bias unless `only` is `'weight'`) in place, like
   * `torch.nn.init.*_(m.weight)`. A non-default initializer on the bias uses the weight's fans.
   */
  reset(init: InitName | InitConfig, rng: Rng, only: 'weight' | 'all' = 'weight'): void {
    const shape = this.weight.shape;
    const dist = initDistribution(init, shape);
    tf.tidy(() => {
      this.weight.assign(
        tf.tensor2d(sample(dist, this.weight.size, rng), [this.outFeatures, this.inFeatures]),
      );
      if (only === 'all' && this.bias !== undefined) {
        this.bias.assign(tf.tensor1d(sample(dist, this.outFeatures, rng)));
      }
    });
  }
}
