import { assertInteger, assertPositiveInteger } from '@mnist-lab/errors';
import { deriveSeed, Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { backendCopiesValues } from './backend-copies';
import type { Dataset } from './dataset';
import { type SimdPixels, simdPixels } from './pixels-simd';
import { type Normalization, pixelTable } from './preprocess';

/** Options of {@link BatchLoader}. */
export interface BatchLoaderOptions {
  /** Examples per batch. */
  readonly batchSize: number;
  /** Shuffle each epoch (a seeded permutation per epoch). Defaults to true. */
  readonly shuffle?: boolean;
  /** Seeds the shuffle: the same seed gives the same order in Node and every browser. Defaults to 0. */
  readonly seed?: number;
  /** Drop the last, smaller batch. Defaults to false, like PyTorch's `DataLoader`. */
  readonly dropLast?: boolean;
  /** `index` gives int32 labels of shape [B] (the default); `one-hot` gives float32 [B, numClasses]. */
  readonly labels?: 'index' | 'one-hot';
  /** Applied after scaling to [0, 1], like torchvision's `Normalize`. None by default. */
  readonly normalization?: Normalization;
}

/** One batch; the caller owns the tensors and disposes of them. */
export interface Batch {
  /** Images as float32 `[size, rows * cols]`. */
  readonly x: tf.Tensor2D;
  /** Labels: int32 `[size]`, or float32 `[size, numClasses]` one-hot. */
  readonly y: tf.Tensor;
  /** Examples in this batch (the last one may be smaller). */
  readonly size: number;
  /** The batch's index within its epoch. */
  readonly index: number;
}

/**
 * Serves a dataset as batches of tensors. The images stay as the dataset's bytes; each batch's
 * pixels are converted to float32 as it is made, through a 256-entry table (the same values
 * `toFloat32Pixels` gives), so a loader over MNIST's training set holds no 188 MB float copy.
 *
 * @example
 * const loader = new BatchLoader(train, { batchSize: 32, seed: 1 });
 * for (const { x, y } of loader.epoch(0)) { ...; tf.dispose([x, y]); }
 */
export class BatchLoader {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly labelFormat: 'index' | 'one-hot';
  /** Float32 value of each byte value (scaled, then normalized when asked). */
  private readonly table: Float32Array;
  /** The same values computed 16 at a time in wasm SIMD, where the engine has it. */
  private readonly simd: SimdPixels | undefined;
  private readonly featureSize: number;
  private scratch: { xs: Float32Array; labels: Int32Array } | undefined;

  constructor(dataset: Dataset, options: BatchLoaderOptions) {
    assertPositiveInteger(options.batchSize, 'BatchLoader: batchSize');
    if (options.seed !== undefined) assertInteger(options.seed, 'BatchLoader: seed');
    this.dataset = dataset;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.labelFormat = options.labels ?? 'index';
    this.featureSize = dataset.rows * dataset.cols;
    this.table = pixelTable(options.normalization);
    const { mean = 0, std = 1 } = options.normalization ?? {};
    this.simd = simdPixels(this.table, Math.fround(mean), Math.fround(std));
  }

  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    const n = this.dataset.count / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The order examples are served in during `epoch` (zero-based): a pure function of seed and epoch. */
  order(epoch: number): Uint32Array {
    if (!this.shuffle) return Uint32Array.from({ length: this.dataset.count }, (_, i) => i);
    return new Rng(deriveSeed(this.seed, 'shuffle', epoch)).permutation(this.dataset.count);
  }

  /**
   * The batches of `epoch` (zero-based), from batch `startBatch` on (to resume mid-epoch).
   * Each batch's tensors are created when it is reached and belong to the caller.
   */
  *epoch(epoch: number, startBatch = 0): Generator<Batch, void, undefined> {
    const order = this.order(epoch);
    for (let index = startBatch; index < this.batchesPerEpoch; index++) {
      const start = index * this.batchSize;
      yield this.makeBatch(
        order.subarray(start, Math.min(start + this.batchSize, order.length)),
        index,
      );
    }
  }

  /** The batch holding the examples at `indices`, in that order. */
  makeBatch(indices: ArrayLike<number>, index = 0): Batch {
    const size = indices.length;
    const f = this.featureSize;
    const { xs: scratch, labels } = this.arraysFor(size, this.simd === undefined);
    const xs =
      this.simd === undefined ? this.tablePixels(indices, scratch) : this.simdPixels(indices);
    for (let i = 0; i < size; i++) labels[i] = this.dataset.labels[indices[i] as number] as number;
    const x = tf.tensor2d(xs, [size, f], 'float32');
    const y =
      this.labelFormat === 'index'
        ? tf.tensor1d(labels, 'int32')
        : tf.tidy(() =>
            tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), this.dataset.numClasses), 'float32'),
          );
    return { x, y, size, index };
  }

  /** The batch's pixels through the 256-entry table, into `xs`. */
  private tablePixels(indices: ArrayLike<number>, xs: Float32Array): Float32Array {
    const f = this.featureSize;
    const { images } = this.dataset;
    const table = this.table;
    for (let i = 0; i < indices.length; i++) {
      const from = (indices[i] as number) * f;
      const to = i * f;
      for (let k = 0; k < f; k++) xs[to + k] = table[images[from + k] as number] as number;
    }
    return xs;
  }

  /** The batch's pixels from the SIMD module: a view of its memory where the backend copies it, else a copy. */
  private simdPixels(indices: ArrayLike<number>): Float32Array {
    const floats = (this.simd as SimdPixels).convert(
      this.dataset.images,
      indices,
      this.featureSize,
    );
    return backendCopiesValues() ? floats : floats.slice();
  }

  /**
   * Arrays for a batch's values (its pixels only when `pixels`): one pair refilled for every batch
   * where the backend copies an array's values into a tensor as it is made (no 100 KB allocation,
   * zeroing and later collection per batch of MNIST), new ones where it keeps the array.
   */
  private arraysFor(size: number, pixels: boolean): { xs: Float32Array; labels: Int32Array } {
    const n = pixels ? size * this.featureSize : 0;
    if (!backendCopiesValues()) return { xs: new Float32Array(n), labels: new Int32Array(size) };
    if (this.scratch === undefined || this.scratch.labels.length < size) {
      this.scratch = { xs: new Float32Array(n), labels: new Int32Array(size) };
    }
    const { xs, labels } = this.scratch;
    return { xs: xs.subarray(0, n), labels: labels.subarray(0, size) };
  }
}
