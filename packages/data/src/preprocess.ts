import type { Dataset } from './dataset';

/** Optional per-pixel normalization after scaling to [0, 1], like torchvision's `Normalize`. */
export interface Normalization {
  readonly mean: number;
  readonly std: number;
}

/** MNIST's training-set pixel mean and standard deviation, as the PyTorch examples use them. */
export const MNIST_NORMALIZATION: Normalization = { mean: 0.1307, std: 0.3081 };

/**
 * Converts every image of `dataset` to float32 once, exactly as torchvision's `ToTensor` does
 * (`uint8 / 255` in float32), then, when asked, `Normalize` (`(x - mean) / std` in float32). The
 * results are bit-identical to PyTorch's: a float64 quotient of small integers rounded to float32
 * is the correctly rounded float32 quotient.
 */
export function toFloat32Pixels(dataset: Dataset, normalization?: Normalization): Float32Array {
  const out = new Float32Array(dataset.images.length);
  const table = new Float32Array(256);
  const mean = Math.fround(normalization?.mean ?? 0);
  const std = Math.fround(normalization?.std ?? 1);
  if (normalization !== undefined && !(std > 0)) {
    throw new RangeError(
      `toFloat32Pixels: normalization std must be positive, got ${normalization.std}`,
    );
  }
  for (let v = 0; v < 256; v++) {
    const x = Math.fround(v / 255);
    table[v] = normalization === undefined ? x : Math.fround(Math.fround(x - mean) / std);
  }
  const images = dataset.images;
  for (let i = 0; i < images.length; i++) out[i] = table[images[i] as number] as number;
  return out;
}
