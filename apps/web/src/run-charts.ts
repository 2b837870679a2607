import { LESSON_RESULTS, type LessonPreset } from '@mnist-lab/lesson';
import { type LineDataset, lineChart } from './charts';
import { $ } from './dom';
import type { Run } from './run-list';
import { PRESET_SETTINGS } from './settings';

/**
 * The three live charts (training loss per step, test accuracy and test loss per epoch) for every
 * run, with the lesson's own curves dashed beside them when the checkbox asks; redrawn at most once
 * a frame.
 */
export function runCharts(allRuns: readonly Run[]): { redraw: () => void } {
  const lossChart = lineChart($('loss-chart'), 'step', 'training loss');
  const accuracyChart = lineChart($('accuracy-chart'), 'epoch', 'test accuracy (%)');
  const testLossChart = lineChart($('test-loss-chart'), 'epoch', 'test loss');
  let dirty = false;
  const draw = () => {
    dirty = false;
    const showLesson = $<HTMLInputElement>('lesson-ref').checked;
    // A model from a file has no training to draw.
    const runs = allRuns.filter((r) => r.origin?.kind !== 'file');
    const presets = [...new Set(runs.map((r) => r.settings.preset))] as LessonPreset[];
    const lesson = (
      pick: (e: { testAccuracy: number; lessonTestLoss: number }) => number,
    ): LineDataset[] =>
      showLesson
        ? presets.map((p) => ({
            label: `lesson: ${p}`,
            data: LESSON_RESULTS[p].map((e) => ({ x: e.epoch, y: pick(e) })),
            // The colour of the first run of that network: lesson relu and lesson bn apart.
            borderColor: runs.find((r) => r.settings.preset === p)?.color ?? '#6b717a',
            borderDash: [6, 4],
            pointRadius: 0,
          }))
        : [];
    const name = (r: Run) =>
      `run ${r.id}: ${r.settings.preset}${r.settings.activation !== PRESET_SETTINGS[r.settings.preset].activation ? ` (${r.settings.activation})` : ''}`;
    lossChart.data.datasets = runs.map((r) => ({
      label: name(r),
      data: r.losses,
      borderColor: r.color,
      pointRadius: 0,
      borderWidth: 1,
    }));
    accuracyChart.data.datasets = [
      ...runs.map((r) => ({
        label: name(r),
        data: r.epochs.map((e) => ({ x: e.epoch, y: (e.validation?.accuracy ?? 0) * 100 })),
        borderColor: r.color,
      })),
      ...lesson((e) => e.testAccuracy * 100),
    ];
    testLossChart.data.datasets = [
      ...runs.map((r) => ({
        label: name(r),
        data: r.epochs.map((e) => ({ x: e.epoch, y: e.validation?.lessonTestLoss ?? 0 })),
        borderColor: r.color,
      })),
      ...lesson((e) => e.lessonTestLoss),
    ];
    lossChart.update();
    accuracyChart.update();
    testLossChart.update();
  };
  const redraw = () => {
    if (dirty) return;
    dirty = true;
    requestAnimationFrame(draw);
  };
  $('lesson-ref').addEventListener('change', redraw);
  return { redraw };
}
