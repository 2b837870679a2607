import type * as tf from '@tensorflow/tfjs-core';

/** One batch: inputs and integer labels (`[B]`), owned by the trainer once yielded. */
export interface TrainBatch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
}

/**
 * Anything that yields an epoch's batches, optionally from a batch index (to resume mid-epoch).
 * `@mnist-lab/data`'s `BatchLoader` is one; so is `{ epoch: () => myArrayOfBatches }`.
 */
export interface BatchSource {
  /** Epoch `epoch`'s batches (its own shuffle), from batch `startBatch` on (default 0). */
  epoch(epoch: number, startBatch?: number): Iterable<TrainBatch>;
  /** Batches per epoch, for progress and ETA; optional. */
  readonly batchesPerEpoch?: number;
}
