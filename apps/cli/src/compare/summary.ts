import { type EpochEventLine, LESSON_RESULTS, type LessonPreset } from '@mnist-lab/lesson';
import { meanStd } from '../stats';

/** Per preset and epoch: our mean ± std over seeds, and the lesson's number (accuracies as fractions). */
export interface SummaryRow {
  readonly epoch: number;
  readonly accuracy: { mean: number; std: number; n: number };
  readonly lessonTestLoss: { mean: number; std: number; n: number };
  readonly lessonAccuracy: number | undefined;
  readonly printedLessonTestLoss: number | undefined;
}

/** The comparison's summary, from the runs' epoch events: a row per preset and epoch. */
export function summarize(
  presets: readonly LessonPreset[],
  epochs: number,
  events: readonly EpochEventLine[],
): Record<string, SummaryRow[]> {
  const summary: Record<string, SummaryRow[]> = {};
  for (const preset of presets) {
    summary[preset] = Array.from({ length: epochs }, (_, i) => {
      const mine = events.filter((e) => e.config === preset && e.epoch === i + 1);
      const lesson = LESSON_RESULTS[preset][i];
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
