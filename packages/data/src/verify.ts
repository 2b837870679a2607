import type { Dataset, DatasetSplits } from './dataset';
import type { DatasetFacts } from './dataset-facts';

/** One check of {@link verifyDataset}. */
export interface VerifyCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string;
}

/** The outcome of {@link verifyDataset}: `ok` when every check passed. */
export interface VerifyReport {
  readonly dataset: string;
  readonly ok: boolean;
  readonly checks: readonly VerifyCheck[];
}

/** How many examples of each class `dataset` holds, indexed by label. */
export function labelHistogram(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.numClasses).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/**
 * Checks loaded splits against a dataset's known facts: counts, image size, number of classes and
 * the exact label histogram of each split. What the CLI's `data verify` prints.
 */
export function verifyDataset(splits: DatasetSplits, facts: DatasetFacts): VerifyReport {
  const checks: VerifyCheck[] = [];
  const add = (check: string, expected: unknown, actual: unknown) => {
    const e = JSON.stringify(expected);
    const a = JSON.stringify(actual);
    checks.push({ check, ok: e === a, expected: e, actual: a });
  };
  for (const [split, counts] of [
    ['train', facts.trainLabelCounts],
    ['test', facts.testLabelCounts],
  ] as const) {
    const d = splits[split];
    add(
      `${split} count`,
      counts.reduce((a, b) => a + b, 0),
      d.count,
    );
    add(`${split} image size`, [facts.rows, facts.cols], [d.rows, d.cols]);
    add(`${split} classes`, facts.numClasses, d.numClasses);
    add(`${split} label histogram`, counts, labelHistogram(d));
  }
  return { dataset: facts.name, ok: checks.every((c) => c.ok), checks };
}
