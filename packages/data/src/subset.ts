import { ArgumentError } from '@mnist-lab/errors';
import { deriveSeed, Rng } from '@mnist-lab/random';
import type { Dataset } from './dataset';

/** The examples of `dataset` at `indices`, in that order, as a new dataset (copied). */
export function selectExamples(
  dataset: Dataset,
  indices: ArrayLike<number>,
  name = dataset.name,
): Dataset {
  const size = dataset.rows * dataset.cols;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i] as number;
    if (!(j >= 0 && j < dataset.count)) {
      throw new ArgumentError(
        'selectExamples',
        `selectExamples: index ${j} is outside ${dataset.name} (0..${dataset.count - 1})`,
      );
    }
    images.set(dataset.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = dataset.labels[j] as number;
  }
  return { ...dataset, name, images, labels, count: indices.length };
}

/** The first `n` examples (no copy), like the CLI's `--train-size N`. */
export function takeFirst(dataset: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 1 || n > dataset.count) {
    throw new ArgumentError(
      'takeFirst',
      `takeFirst: n must be an integer in [1, ${dataset.count}] for ${dataset.name}, got ${n}`,
    );
  }
  const size = dataset.rows * dataset.cols;
  return {
    ...dataset,
    images: dataset.images.subarray(0, n * size),
    labels: dataset.labels.subarray(0, n),
    count: n,
  };
}

/** Options of {@link splitValidation}. */
export interface ValidationSplitOptions {
  /** How many examples go to validation (an integer), or what fraction of them (in (0, 1)). */
  readonly validation: number;
  /** Seeds which examples are held out. Defaults to 0. */
  readonly seed?: number;
}

/** Holds out a seeded random part of `dataset` for validation. */
export function splitValidation(
  dataset: Dataset,
  options: ValidationSplitOptions,
): { readonly train: Dataset; readonly validation: Dataset } {
  const v = options.validation;
  const count = v > 0 && v < 1 ? Math.round(v * dataset.count) : v;
  if (!Number.isInteger(count) || count < 1 || count >= dataset.count) {
    throw new ArgumentError(
      'splitValidation',
      `splitValidation: validation must be a fraction in (0, 1) or an integer in [1, ${dataset.count - 1}], got ${v}`,
    );
  }
  const order = new Rng(deriveSeed(options.seed ?? 0, 'validation')).permutation(dataset.count);
  const heldOut = order.subarray(0, count).sort();
  const kept = order.subarray(count).sort();
  return {
    train: selectExamples(dataset, kept, dataset.name),
    validation: selectExamples(dataset, heldOut, `${dataset.name}-validation`),
  };
}
