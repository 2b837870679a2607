import * as tf from '@tensorflow/tfjs-core';
import { type ForwardOptions, Module } from './module';

/** Options of {@link BatchNorm1d}; the defaults are PyTorch's. */
export interface BatchNorm1dArgs {
  /** Added to the variance for stability. Defaults to 1e-5. */
  readonly eps?: number;
  /** PyTorch's convention: `running = (1 - momentum) · running + momentum · batch`. Defaults to 0.1. */
  readonly momentum?: number;
  /** Learnable scale (`weight`, γ) and shift (`bias`, β). Defaults to true. */
  readonly affine?: boolean;
}

/**
 * PyTorch's `nn.BatchNorm1d` over `[batch, features]`. Training normalizes with the batch mean and
 * the biased batch variance, and updates the running mean and the running variance, the latter with
 * the **unbiased** batch variance, then counts `num_batches_tracked`. Evaluation uses the running
 * statistics. Buffer names and shapes are PyTorch's.
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: tf.Variable | undefined;
  readonly bias: tf.Variable | undefined;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;

  constructor(numFeatures: number, args: BatchNorm1dArgs = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new RangeError(
        `BatchNorm1d: numFeatures must be a positive integer, got ${numFeatures}`,
      );
    }
    this.numFeatures = numFeatures;
    this.eps = args.eps ?? 1e-5;
    this.momentum = args.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new RangeError(`BatchNorm1d: eps must be positive, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new RangeError(`BatchNorm1d: momentum must be in [0, 1], got ${this.momentum}`);
    }
    const affine = args.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', tf.ones([numFeatures])) : undefined;
    this.bias = affine ? this.registerParameter('bias', tf.zeros([numFeatures])) : undefined;
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  forward(x: tf.Tensor, options: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      if (x.rank !== 2 || x.shape[1] !== this.numFeatures) {
        throw new Error(
          `BatchNorm1d: expected input [batch, ${this.numFeatures}], got [${x.shape.join(', ')}]`,
        );
      }
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (options.training) {
        const n = x.shape[0] as number;
        if (n < 2)
          throw new Error(
            `BatchNorm1d: training needs more than 1 value per feature, got batch ${n}`,
          );
        const moments = tf.moments(x, 0);
        mean = moments.mean;
        variance = moments.variance;
        this.updateRunningStats(mean, variance, n);
      } else {
        mean = this.runningMean;
        variance = this.runningVar;
      }
      // y = (x − mean) / sqrt(var + eps) · γ + β, folded into one per-feature scale and shift so
      // that only two element-wise operations touch the whole batch (forward and backward).
      // tfjs's fused batchNorm is slower here: its gradient tiles the batch statistics.
      let scale = tf.rsqrt(tf.add(variance, this.eps));
      if (this.weight !== undefined) scale = tf.mul(scale, this.weight);
      let shift = tf.neg(tf.mul(mean, scale));
      if (this.bias !== undefined) shift = tf.add(shift, this.bias);
      return tf.add(tf.mul(x, scale), shift);
    });
  }

  private updateRunningStats(mean: tf.Tensor, biasedVar: tf.Tensor, n: number): void {
    // Assigning to a variable records nothing on the gradient tape: these are values only.
    const m = this.momentum;
    const unbiased = tf.mul(biasedVar, n / (n - 1));
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
  }
}
