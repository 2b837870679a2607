import type { Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Class probabilities `[N, classes]` for inputs `x` (any shape holding N images), in eval mode (no
 * dropout, batch norm's running statistics): `exp` of the lesson's log-softmax output, or the
 * softmax of raw logits. The caller owns the result.
 */
export function probabilities(model: Mlp, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const out = model.forward(tf.reshape(x, [-1, model.config.inputSize]), { training: false });
    return (model.config.output === 'log-softmax' ? tf.exp(out) : tf.softmax(out)) as tf.Tensor2D;
  });
}
