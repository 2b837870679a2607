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
  return tf.tidy(() => tf.neg(tf.mean(labelled(logProbs, labels))) as tf.Scalar);
}

/** Each row's log-probability at its label, `[batch]`. */
function labelled(logProbs: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  const classes = logProbs.shape[1] as number;
  return tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(labels, 'int32'), classes)), 1) as tf.Tensor1D;
}

/**
 * {@link nllLoss} of each example, `[batch]`: PyTorch's `F.nll_loss(reduction='none')`. Its mean is
 * `nllLoss`'s value to float32 rounding.
 */
export function nllLossPerExample(logProbs: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  checkLabels('nllLossPerExample', logProbs, labels);
  return tf.tidy(() => tf.neg(labelled(logProbs, labels)));
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

/**
 * {@link crossEntropy} of each example, `[batch]`: PyTorch's `nn.CrossEntropyLoss(reduction='none')`.
 * Its mean is `crossEntropy`'s value to float32 rounding; `evaluate` (trainer) uses it to run many
 * batches in one pass and still average the loss within each.
 */
export function crossEntropyPerExample(scores: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  checkLabels('crossEntropyPerExample', scores, labels);
  return tf.tidy(() => nllLossPerExample(tf.logSoftmax(scores), labels));
}
