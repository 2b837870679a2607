import { ArgumentError } from '@mnist-lab/errors';
import type { Dataset } from './dataset';

/** Optional per-pixel normalization after scaling to [0, 1], like torchvision's `Normalize`. */
export interface Normalization {
  readonly mean: number;
  readonly std: number;
}

/** MNIST's training-set pixel mean and standard deviation, as the PyTorch examples use them. */
export const MNIST_NORMALIZATION: Normalization = { mean: 0.1307, std: 0.3081 };

/**
 * The float32 value of each of the 256 pixel values, exactly as torchvision's `ToTensor` computes
 * it (`uint8 / 255` in float32), then, when asked, `Normalize` (`(x - mean) / std` in float32). The
 * results are bit-identical to PyTorch's: a float64 quotient of small integers rounded to float32
 * is the correctly rounded float32 quotient.
 */
export function pixelTable(normalization?: Normalization): Float32Array {
  const table = new Float32Array(256);
  const mean = Math.fround(normalization?.mean ?? 0);
  const std = Math.fround(normalization?.std ?? 1);
  if (normalization !== undefined && !(std > 0)) {
    throw new ArgumentError(
      'pixelTable',
      `pixelTable: normalization std must be positive, got ${normalization.std}`,
    );
  }
  for (let v = 0; v < 256; v++) {
    const x = Math.fround(v / 255);
    table[v] = normalization === undefined ? x : Math.fround(Math.fround(x - mean) / std);
  }
  return table;
}

/** Converts every image of `dataset` to float32 through {@link pixelTable}. */
export function toFloat32Pixels(dataset: Dataset, normalization?: Normalization): Float32Array {
  const table = pixelTable(normalization);
  const images = dataset.images;
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = table[images[i] as number] as number;
  return out;
}
