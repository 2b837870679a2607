import { crossEntropy, type Module } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from './batch-source';
import { DeviceSums, type EvaluationResult, perClassMetrics } from './metrics';
import { yieldToEventLoop } from './yield-to-event-loop';

/** A loss: scores `[B, C]` and integer labels `[B]` to a scalar mean. */
export type LossFn = (scores: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Defaults to the lesson's `crossEntropy`. */
  readonly loss?: LossFn;
  /** Stops between batches; the result then covers the batches seen. */
  readonly signal?: AbortSignal;
}

/**
 * Evaluates a model (eval mode: no dropout, running batch-norm statistics) over every batch of
 * `source.epoch(0)`: mean loss, the lesson's test loss, accuracy, the confusion matrix and
 * per-class precision, recall and F1. Sums stay on the device until the end.
 */
export async function evaluate(
  model: Module,
  source: BatchSource,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const lossFn = options.loss ?? crossEntropy;
  const sums = new DeviceSums();
  let total = 0;
  let classes = 0;
  try {
    for (const { x, y } of source.epoch(0)) {
      if (options.signal?.aborted) {
        tf.dispose([x, y]);
        break;
      }
      const size = y.shape[0] as number;
      const [lossTimesSize, meanLoss, correct, confusion] = tf.tidy(() => {
        const out = model.forward(x, { training: false });
        classes = out.shape[1] as number;
        const mean = lossFn(out, y);
        const predicted = tf.argMax(out, 1);
        const labels = tf.cast(y, 'int32');
        const hits = tf.sum(tf.cast(tf.equal(predicted, labels), 'float32'));
        const oneHot = (t: tf.Tensor) => tf.cast(tf.oneHot(t as tf.Tensor1D, classes), 'float32');
        const matrix = tf.matMul(oneHot(labels), oneHot(predicted), true, false);
        return [tf.mul(mean, size), mean, hits, matrix];
      });
      tf.dispose([x, y]);
      sums.add('loss', lossTimesSize);
      sums.add('lessonLoss', meanLoss);
      sums.add('correct', correct);
      sums.add('confusion', confusion);
      total += size;
      await yieldToEventLoop();
    }
    const read = await sums.read();
    const flat = read.confusion ?? [];
    const confusion = Array.from({ length: classes }, (_, r) =>
      flat.slice(r * classes, (r + 1) * classes).map(Math.round),
    );
    const correct = Math.round(read.correct?.[0] ?? 0);
    return {
      loss: total === 0 ? Number.NaN : (read.loss?.[0] ?? 0) / total,
      lessonTestLoss: total === 0 ? Number.NaN : (read.lessonLoss?.[0] ?? 0) / total,
      accuracy: total === 0 ? Number.NaN : correct / total,
      correct,
      total,
      confusion,
      perClass: perClassMetrics(confusion),
    };
  } finally {
    sums.dispose();
  }
}
