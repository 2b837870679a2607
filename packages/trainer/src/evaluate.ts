import { crossEntropy, crossEntropyPerExample, type Module } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource, TrainBatch } from './batch-source';
import { TrainerError } from './errors';
import { DeviceSums, type EvaluationResult, perClassMetrics } from './metrics';
import { yieldToEventLoop } from './yield-to-event-loop';

/** A loss: scores `[B, C]` and integer labels `[B]` to a scalar mean. */
export type LossFn = (scores: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

/** A loss per example: scores `[B, C]` and integer labels `[B]` to `[B]` (its mean is the {@link LossFn}'s value). */
export type PerExampleLossFn = (scores: tf.Tensor, labels: tf.Tensor) => tf.Tensor1D;

/** Examples run through the model at once by default: see {@link EvaluateOptions.examplesPerPass}. */
export const EXAMPLES_PER_PASS = 1024;

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Defaults to the lesson's `crossEntropy`. */
  readonly loss?: LossFn;
  /**
   * `loss` of each example. Defaults to `crossEntropyPerExample` when `loss` is `crossEntropy` (or
   * not given); without it, a custom `loss` is computed batch by batch inside each pass.
   */
  readonly lossPerExample?: PerExampleLossFn;
  /**
   * Consecutive batches of the source are joined into one forward pass of at least this many
   * examples (default {@link EXAMPLES_PER_PASS}; 1: each batch alone): a few large matrix products
   * instead of many small ones, and far fewer kernel calls. Every figure is still per example or per
   * source batch (the lesson's test loss averages within each batch as the source gives it); the
   * values equal those of batch-by-batch passes to float32 rounding.
   */
  readonly examplesPerPass?: number;
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
  const perExample =
    options.lossPerExample ?? (lossFn === crossEntropy ? crossEntropyPerExample : undefined);
  const perPass = options.examplesPerPass ?? EXAMPLES_PER_PASS;
  if (!Number.isInteger(perPass) || perPass < 1)
    throw new TrainerError(
      'invalid-option',
      `evaluate: examplesPerPass must be a positive integer, got ${String(perPass)}`,
    );
  const sums = new DeviceSums();
  let total = 0;
  let classes = 0;
  let pending: TrainBatch[] = [];
  let rows = 0;
  const runPass = () => {
    const batches = pending;
    pending = [];
    rows = 0;
    try {
      const pass = passSums(model, batches, lossFn, perExample);
      classes = pass.classes;
      total += pass.size;
      sums.add('loss', pass.lossSum);
      sums.add('lessonLoss', pass.lessonSum);
      sums.add('correct', pass.correct);
      sums.add('confusion', pass.confusion);
    } finally {
      for (const b of batches) tf.dispose([b.x, b.y]);
    }
  };
  try {
    for (const batch of source.epoch(0)) {
      if (options.signal?.aborted) {
        tf.dispose([batch.x, batch.y]);
        break;
      }
      pending.push(batch);
      rows += batch.y.shape[0] as number;
      if (rows >= perPass) {
        runPass();
        await yieldToEventLoop();
      }
    }
    if (pending.length > 0) runPass();
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
    for (const b of pending) tf.dispose([b.x, b.y]);
    sums.dispose();
  }
}

/** One pass's sums, on the device, and its examples and classes. */
interface PassSums {
  readonly lossSum: tf.Tensor;
  /** The sum of each source batch's mean loss. */
  readonly lessonSum: tf.Tensor;
  readonly correct: tf.Tensor;
  readonly confusion: tf.Tensor;
  readonly size: number;
  readonly classes: number;
}

/** One forward pass over `batches` joined. */
function passSums(
  model: Module,
  batches: readonly TrainBatch[],
  lossFn: LossFn,
  perExample: PerExampleLossFn | undefined,
): PassSums {
  const sizes = batches.map((b) => b.y.shape[0] as number);
  let classes = 0;
  const [lossSum, lessonSum, correct, confusion] = tf.tidy(() => {
    const joined = (pick: (b: TrainBatch) => tf.Tensor) =>
      batches.length === 1 ? pick(batches[0] as TrainBatch) : tf.concat(batches.map(pick));
    const x = joined((b) => b.x);
    const y = joined((b) => b.y);
    const out = model.forward(x, { training: false });
    classes = out.shape[1] as number;
    const [lossSum, lessonSum] =
      perExample === undefined
        ? batchByBatch(out, y, sizes, lossFn)
        : withinBatches(perExample(out, y), sizes);
    const predicted = tf.argMax(out, 1);
    const labels = tf.cast(y, 'int32');
    const hits = tf.sum(tf.cast(tf.equal(predicted, labels), 'float32'));
    const oneHot = (t: tf.Tensor) => tf.cast(tf.oneHot(t as tf.Tensor1D, classes), 'float32');
    const matrix = tf.matMul(oneHot(labels), oneHot(predicted), true, false);
    return [lossSum, lessonSum, hits, matrix];
  });
  const size = sizes.reduce((a, b) => a + b, 0);
  return { lossSum, lessonSum, correct, confusion, size, classes };
}

/** The sum of the per-example losses, and of their means within each batch of `sizes`. */
function withinBatches(losses: tf.Tensor1D, sizes: readonly number[]): [tf.Tensor, tf.Tensor] {
  const means: tf.Tensor[] = [];
  // Batches of one size in a row (all but perhaps the last): one reshape and mean for each run.
  for (let i = 0, start = 0; i < sizes.length; ) {
    const size = sizes[i] as number;
    let count = 1;
    while (sizes[i + count] === size) count++;
    const run =
      start === 0 && count === sizes.length ? losses : tf.slice(losses, [start], [count * size]);
    means.push(tf.sum(tf.mean(tf.reshape(run, [count, size]), 1)));
    start += count * size;
    i += count;
  }
  return [tf.sum(losses), means.length === 1 ? (means[0] as tf.Tensor) : tf.addN(means)];
}

/** The same two sums from a loss that gives only a batch's mean: one call per batch. */
function batchByBatch(
  out: tf.Tensor,
  y: tf.Tensor,
  sizes: readonly number[],
  lossFn: LossFn,
): [tf.Tensor, tf.Tensor] {
  const means: tf.Tensor[] = [];
  const totals: tf.Tensor[] = [];
  let start = 0;
  for (const size of sizes) {
    const mean =
      sizes.length === 1
        ? lossFn(out, y)
        : lossFn(tf.slice(out, [start, 0], [size, -1]), tf.slice(y, [start], [size]));
    means.push(mean);
    totals.push(tf.mul(mean, size));
    start += size;
  }
  return [tf.addN(totals), tf.addN(means)];
}
