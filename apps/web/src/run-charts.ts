import { LESSON_RESULTS, type LessonPreset } from '@mnist-lab/lesson';
import { type LineDataset, lineChart } from './charts';
import { $ } from './dom';
import type { Run } from './run-list';
import { PRESET_SETTINGS } from './settings';
import { words } from './words';

/**
 * The three live charts (training loss per step, test accuracy and test loss per epoch) for every
 * run, with the lesson's own curves dashed beside them when the checkbox asks; redrawn at most once
 * a frame, and at most ten times a second.
 */
export function runCharts(allRuns: readonly Run[]): { redraw: () => void } {
  const lossChart = lineChart($('loss-chart'), false);
  const accuracyChart = lineChart($('accuracy-chart'), true);
  const testLossChart = lineChart($('test-loss-chart'), true);
  /** The axes' titles in the page's language. */
  const titles = () => {
    const w = words();
    const set = (chart: typeof lossChart, x: string, y: string) => {
      const scales = chart.options.scales as Record<'x' | 'y', { title: { text: string } }>;
      scales.x.title.text = x;
      scales.y.title.text = y;
    };
    set(lossChart, w.step, w.trainingLoss);
    set(accuracyChart, w.epoch, w.testAccuracy);
    set(testLossChart, w.epoch, w.testLoss);
  };
  const draw = () => {
    titles();
    const w = words();
    const showLesson = $<HTMLInputElement>('lesson-ref').checked;
    // A model from a file has no training to draw.
    const runs = allRuns.filter((r) => r.origin?.kind !== 'file');
    const presets = [...new Set(runs.map((r) => r.settings.preset))] as LessonPreset[];
    const lesson = (
      pick: (e: { testAccuracy: number; lessonTestLoss: number }) => number,
    ): LineDataset[] =>
      showLesson
        ? presets.map((p) => ({
            label: w.lessonCurve(p),
            data: LESSON_RESULTS[p].map((e) => ({ x: e.epoch, y: pick(e) })),
            // The colour of the first run of that network: lesson relu and lesson bn apart.
            borderColor: runs.find((r) => r.settings.preset === p)?.color ?? '#6b717a',
            borderDash: [6, 4],
            pointRadius: 0,
          }))
        : [];
    const name = (r: Run) =>
      w.runName(
        r.id,
        `${r.settings.preset}${r.settings.activation !== PRESET_SETTINGS[r.settings.preset].activation ? ` (${r.settings.activation})` : ''}`,
      );
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
  const redraw = throttled(draw);
  $('lesson-ref').addEventListener('change', redraw);
  return { redraw };
}

/**
 * `draw` at most once a frame and at most every 100 ms: a sweep's runs report steps from several
 * workers at once, and redrawing three charts each frame would take a core from them.
 */
function throttled(draw: () => void): () => void {
  let last = 0;
  let pending = false;
  const onFrame = (time: number) => {
    last = time;
    pending = false;
    draw();
  };
  return () => {
    if (pending) return;
    pending = true;
    setTimeout(() => requestAnimationFrame(onFrame), Math.max(0, last + 100 - performance.now()));
  };
}
