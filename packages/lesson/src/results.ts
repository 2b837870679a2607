import type { LessonPreset } from './presets';

/** One epoch of the lesson as its notebook printed it. */
export interface LessonEpoch {
  readonly epoch: number;
  /** The notebook's "Test Loss": the sum of per-batch mean losses over the dataset size. */
  readonly lessonTestLoss: number;
  /** Test accuracy, a fraction in [0, 1] (the notebook printed it in percent: 97.41 % is 0.9741). */
  readonly testAccuracy: number;
}

const rows = (losses: number[], accuracies: number[]): LessonEpoch[] =>
  accuracies.map((percent, i) => ({
    epoch: i + 1,
    lessonTestLoss: losses[i] as number,
    // Written as the notebook printed them (percent), kept as fractions like every accuracy here.
    testAccuracy: Math.round(percent * 100) / 10000,
  }));

/**
 * The numbers the PyTorch lesson printed for its four networks (10 epochs each, one run each): the
 * reference that `mnist-lab compare` and the web lab show beside their own results.
 */
export const LESSON_RESULTS: Readonly<Record<LessonPreset, readonly LessonEpoch[]>> = {
  sigmoid: rows(
    [0.0286, 0.024, 0.021, 0.0184, 0.0166, 0.0152, 0.0141, 0.0134, 0.0127, 0.0123],
    [70.42, 74.61, 79.67, 82.44, 84.02, 85.53, 86.61, 87.37, 87.95, 88.16],
  ),
  relu: rows(
    [0.0101, 0.0071, 0.0055, 0.0046, 0.0039, 0.0036, 0.0032, 0.0031, 0.0028, 0.0026],
    [90.89, 93.24, 94.86, 95.57, 96.17, 96.41, 96.79, 97.02, 97.2, 97.41],
  ),
  bn: rows(
    [0.0047, 0.0035, 0.0032, 0.0027, 0.0025, 0.0023, 0.0022, 0.0021, 0.002, 0.002],
    [95.56, 96.49, 96.78, 97.43, 97.6, 97.79, 97.78, 97.98, 97.9, 97.91],
  ),
  he: rows(
    [0.0069, 0.0054, 0.0047, 0.0042, 0.0037, 0.0034, 0.0033, 0.0031, 0.0029, 0.0027],
    [93.4, 94.77, 95.48, 95.71, 96.16, 96.71, 96.69, 96.89, 96.99, 97.26],
  ),
};

/**
 * An accuracy (a fraction in [0, 1], as every API and JSON file of mnist-lab holds it) as the
 * lesson prints it: `formatPercent(0.9741)` is `"97.41"`; `NaN` or `undefined` is `"—"`.
 */
export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  return fraction === undefined || fraction === null || Number.isNaN(fraction)
    ? '—'
    : (fraction * 100).toFixed(digits);
}
