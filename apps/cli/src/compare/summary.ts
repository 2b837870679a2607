import { LESSON_RESULTS, type LessonPreset, type RunRecord } from '@mnist-lab/lesson';
import { meanStd } from '../stats';

/** Per preset and epoch: our mean ± std over seeds, and the lesson's number (accuracies as fractions). */
export interface SummaryRow {
  readonly epoch: number;
  readonly accuracy: { mean: number; std: number; n: number };
  readonly lessonTestLoss: { mean: number; std: number; n: number };
  readonly lessonAccuracy: number | undefined;
  readonly printedLessonTestLoss: number | undefined;
}

/**
 * The comparison's summary, from the runs' epoch events: a row per network and epoch (a control
 * network has no lesson numbers).
 */
export function summarize(
  networks: readonly string[],
  epochs: number,
  records: readonly RunRecord[],
): Record<string, SummaryRow[]> {
  const summary: Record<string, SummaryRow[]> = {};
  for (const network of networks) {
    summary[network] = Array.from({ length: epochs }, (_, i) => {
      const mine = records
        .filter((r) => r.network === network)
        .flatMap((r) => r.epochs.filter((e) => e.epoch === i + 1));
      const lesson = (LESSON_RESULTS as Record<string, (typeof LESSON_RESULTS)[LessonPreset]>)[
        network
      ]?.[i];
      return {
        epoch: i + 1,
        accuracy: meanStd(mine.map((e) => e.testAccuracy ?? Number.NaN)),
        lessonTestLoss: meanStd(mine.map((e) => e.lessonTestLoss ?? Number.NaN)),
        lessonAccuracy: lesson?.testAccuracy,
        printedLessonTestLoss: lesson?.lessonTestLoss,
      };
    });
  }
  return summary;
}

/** `mean ± std` (or the mean alone for one run, or — for none), each value times `scale`. */
export const fmt = (m: { mean: number; std: number; n: number }, digits = 2, scale = 1) =>
  Number.isNaN(m.mean)
    ? '—'
    : m.n > 1
      ? `${(m.mean * scale).toFixed(digits)} ± ${(m.std * scale).toFixed(digits)}`
      : (m.mean * scale).toFixed(digits);

/** An accuracy's `mean ± std` in percent, as the lesson prints it. */
export const fmtPercent = (m: { mean: number; std: number; n: number }) => fmt(m, 2, 100);
