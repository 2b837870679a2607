import * as tf from '@tensorflow/tfjs-core';
import { LayersError } from './errors';

function checkLabels(name: string, scores: tf.Tensor, labels: tf.Tensor): void {
  if (scores.rank !== 2)
    throw new LayersError(
      `${name}: expected scores [batch, classes], got [${scores.shape.join(', ')}]`,
    );
  if (labels.rank !== 1 || labels.shape[0] !== scores.shape[0]) {
    throw new LayersError(
      `${name}: expected labels [${scores.shape[0]}], got [${labels.shape.join(', ')}]`,
    );
  }
}

/**
 * Negative log-likelihood of log-probabilities `[batch, classes]` at integer labels `[batch]`,
 * averaged over the batch: PyTorch's `F.nll_loss(reduction='mean')`.
 */
export function nllLoss(logProbs: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  checkLabels('nllLoss', logProbs, labels);
  return tf.tidy(() => {
    const classes = logProbs.shape[1] as number;
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(labels, 'int32'), classes)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/**
 * Cross-entropy of scores `[batch, classes]` at integer labels, averaged over the batch: PyTorch's
 * `nn.CrossEntropyLoss()`, i.e. `nll_loss(log_softmax(scores))`. Scores may be logits or, as in the
 * lesson, log-probabilities already: `log_softmax` is idempotent, so both give the same value and
 * gradient, computed the way PyTorch computes them.
 */
export function crossEntropy(scores: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  checkLabels('crossEntropy', scores, labels);
  return tf.tidy(() => nllLoss(tf.logSoftmax(scores), labels));
}
