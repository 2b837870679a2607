import type { IdxFileRole } from './dataset-facts';
import { DataError } from './errors';
import { parseIdx } from './idx-format';

/** One split of an image-classification dataset, as every source returns it. */
export interface Dataset {
  /** The dataset and split, e.g. `mnist/train`. */
  readonly name: string;
  /** `count` images of `rows × cols` uint8 pixels, row-major, one after another. */
  readonly images: Uint8Array;
  /** One label per image, each in `[0, numClasses)`. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly numClasses: number;
}

/** A dataset's training and test splits. */
export interface DatasetSplits {
  readonly name: string;
  readonly train: Dataset;
  readonly test: Dataset;
}

/** The four IDX files of a dataset, as bytes (uncompressed), with the names to report them by. */
export type IdxFiles = Readonly<
  Record<IdxFileRole, { readonly bytes: Uint8Array; readonly file: string }>
>;

/** Options for assembling a dataset from IDX files. */
export interface DatasetFromIdxOptions {
  /** The dataset's name, e.g. `mnist`. */
  readonly name: string;
  /** Labels must lie in `[0, numClasses)`. Defaults to 10. */
  readonly numClasses?: number;
}

/**
 * Builds one split from an images file (uint8, N×rows×cols) and a labels file (uint8, N): checks
 * the shapes, that the counts agree, and that every label is a valid class.
 */
export function splitFromIdx(
  name: string,
  images: { readonly bytes: Uint8Array; readonly file: string },
  labels: { readonly bytes: Uint8Array; readonly file: string },
  numClasses = 10,
): Dataset {
  const img = parseIdx(images.bytes, images.file);
  if (img.dtype !== 'uint8' || img.dims.length !== 3) {
    throw new DataError(
      'wrong-shape',
      images.file,
      `expected uint8 images of shape N×rows×cols, got ${img.dtype} of shape ${img.dims.join('×')}`,
    );
  }
  const lab = parseIdx(labels.bytes, labels.file);
  if (lab.dtype !== 'uint8' || lab.dims.length !== 1) {
    throw new DataError(
      'wrong-shape',
      labels.file,
      `expected uint8 labels of shape N, got ${lab.dtype} of shape ${lab.dims.join('×')}`,
    );
  }
  const [count, rows, cols] = img.dims as [number, number, number];
  if (lab.dims[0] !== count) {
    throw new DataError(
      'count-mismatch',
      labels.file,
      `holds ${lab.dims[0]} labels but ${images.file} holds ${count} images; expected the same count`,
    );
  }
  const bad = lab.data.findIndex((l) => l >= numClasses);
  if (bad >= 0) {
    throw new DataError(
      'label-out-of-range',
      labels.file,
      `label ${lab.data[bad]} at index ${bad} is out of range; expected a class in [0, ${numClasses - 1}]`,
    );
  }
  return { name, images: img.data, labels: lab.data, count, rows, cols, numClasses };
}

/** Builds the training and test splits from the four IDX files of a dataset. */
export function datasetFromIdx(files: IdxFiles, options: DatasetFromIdxOptions): DatasetSplits {
  const numClasses = options.numClasses ?? 10;
  const train = splitFromIdx(
    `${options.name}/train`,
    files.trainImages,
    files.trainLabels,
    numClasses,
  );
  const test = splitFromIdx(`${options.name}/test`, files.testImages, files.testLabels, numClasses);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      'wrong-shape',
      files.testImages.file,
      `test images are ${test.rows}×${test.cols} but training images are ${train.rows}×${train.cols}; expected the same size`,
    );
  }
  return { name: options.name, train, test };
}
