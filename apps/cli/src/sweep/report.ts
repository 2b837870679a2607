import { join } from 'node:path';
import {
  type LessonLanguage,
  type SweepPointSummary,
  type SweepSpec,
  summarizeSweep,
  sweepAccuracyText,
  sweepPointText,
  sweepReadings,
} from '@mnist-lab/lesson';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from '../charts';
import { HEIGHT, WIDTH } from '../compare/results-charts';
import type { SweepResult } from './folder';

const valueText = (v: unknown) => (Array.isArray(v) ? v.join('x') : String(v));

/**
 * Test accuracy over the first two axes: each cell's mean over seeds as colour and text, ± the
 * seeds' std beneath (over a third axis too, its mean over that axis's values).
 */
function heatmap(spec: SweepSpec, points: readonly SweepPointSummary[]): TopLevelSpec | undefined {
  const [a, b] = spec.axes;
  if (a === undefined || b === undefined) return undefined;
  const cells = new Map<string, SweepPointSummary[]>();
  for (const p of points.filter((q) => q.accuracy.n > 0)) {
    const key = JSON.stringify([valueText(p.point[a.field]), valueText(p.point[b.field])]);
    cells.set(key, [...(cells.get(key) ?? []), p]);
  }
  const cellValues = [...cells].map(([key, ps]) => {
    const [x, y] = JSON.parse(key) as [string, string];
    const mean = (ps.reduce((s, p) => s + p.accuracy.mean, 0) / ps.length) * 100;
    const only = ps.length === 1 ? ps[0] : undefined;
    return {
      x,
      y,
      mean,
      label: only === undefined ? mean.toFixed(2) : sweepAccuracyText(only.accuracy),
      lesson: ps.some((p) => p.lesson) ? 'the lesson' : '',
    };
  });
  const means = cellValues.map((c) => c.mean);
  const middle = (Math.min(...means) + Math.max(...means)) / 2;
  // Dark text on viridis' light (yellow) half, white on its dark half.
  const values = cellValues.map((c) => ({ ...c, ink: c.mean > middle ? '#111' : '#fff' }));
  const sort = (axis: typeof a) => axis.values.map(valueText);
  const ink = { condition: { test: "datum.ink === '#111'", value: '#111' }, value: '#fff' };
  return {
    title: `Test accuracy (%) over ${a.field} and ${b.field}${spec.axes.length > 2 ? ' (mean over the other axes)' : ''}${spec.seeds > 1 ? ', mean ± std over seeds' : ''}`,
    width: Math.max(WIDTH * 0.6, 90 * a.values.length),
    height: Math.max(HEIGHT * 0.6, 44 * b.values.length),
    data: { values },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: a.field, sort: sort(a), axis: { labelAngle: 0 } },
      y: { field: 'y', type: 'ordinal', title: b.field, sort: sort(b) },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'mean',
            type: 'quantitative',
            title: 'accuracy (%)',
            scale: { scheme: 'viridis' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11, dy: -5 },
        encoding: { text: { field: 'label' }, color: ink },
      },
      {
        mark: { type: 'text', fontSize: 9, dy: 8 },
        encoding: { text: { field: 'lesson' }, color: ink },
      },
    ],
  } as TopLevelSpec;
}

/** Test accuracy along each axis: every finished run (dots) and the mean per value (line). */
function alongAxes(spec: SweepSpec, results: readonly SweepResult[]): TopLevelSpec {
  const values = spec.axes.flatMap((axis) =>
    results
      .filter((r) => r.testAccuracy !== null)
      .map((r) => ({
        axis: axis.field,
        value: valueText(r.point[axis.field]),
        order: axis.values.findIndex((v) => valueText(v) === valueText(r.point[axis.field])),
        accuracy: (r.testAccuracy as number) * 100,
      })),
  );
  const x = {
    field: 'value',
    type: 'ordinal',
    title: null,
    sort: { field: 'order' },
    axis: { labelAngle: 0 },
  };
  return {
    title: 'Test accuracy (%) along each axis: each run (dots), the mean per value (line)',
    data: { values },
    facet: {
      column: { field: 'axis', type: 'nominal', title: null, sort: spec.axes.map((a) => a.field) },
    },
    spec: {
      width: WIDTH * 0.45,
      height: HEIGHT * 0.8,
      layer: [
        {
          mark: { type: 'point', opacity: 0.6 },
          encoding: {
            x,
            y: {
              field: 'accuracy',
              type: 'quantitative',
              title: 'test accuracy (%)',
              scale: { zero: false },
            },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: { x, y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}

/** The best point's and the lesson's test accuracy per epoch, a line per seed; none past one epoch. */
function curves(points: readonly SweepPointSummary[], results: readonly SweepResult[]) {
  const ranked = points.filter((p) => p.accuracy.n > 0);
  const best = ranked.sort((x, y) => y.accuracy.mean - x.accuracy.mean)[0];
  const lesson = points.find((p) => p.lesson && p.accuracy.n > 0);
  const shown = [
    ...(best === undefined ? [] : [[best, `best: ${best.key}`] as const]),
    ...(lesson === undefined || lesson === best
      ? []
      : [[lesson, `lesson: ${lesson.key}`] as const]),
  ];
  const values = shown.flatMap(([point, name]) =>
    results
      .filter((r) => sweepPointText(r.point) === point.key && r.failed === undefined)
      .flatMap((r) =>
        r.history.flatMap((h) =>
          h.validation === undefined
            ? []
            : [{ name, run: r.id, epoch: h.epoch, accuracy: h.validation.accuracy * 100 }],
        ),
      ),
  );
  if (!values.some((v) => v.epoch > 1)) return undefined;
  return {
    title: "Test accuracy (%) per epoch: the best settings and the lesson's, a line per seed",
    width: WIDTH * 0.8,
    height: HEIGHT * 0.8,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'ordinal', axis: { labelAngle: 0 } },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        title: 'test accuracy (%)',
        scale: { zero: false },
      },
      color: {
        field: 'name',
        type: 'nominal',
        title: null,
        legend: { orient: 'bottom', labelLimit: 500, direction: 'vertical' },
      },
      detail: { field: 'run' },
    },
  } as TopLevelSpec;
}

/** Writes the sweep's report: `report.md` with its table and readings, and its charts. */
export async function writeSweepReport(
  dir: string,
  name: string,
  spec: SweepSpec,
  results: readonly SweepResult[],
): Promise<{ charts: string[]; readings: Record<LessonLanguage, string[]> }> {
  const points = summarizeSweep(spec, results);
  const charts: [string, TopLevelSpec | undefined][] = [
    ['heatmap', heatmap(spec, points)],
    ['axes', alongAxes(spec, results)],
    ['curves', curves(points, results)],
  ];
  const written: string[] = [];
  for (const [file, chart] of charts) {
    if (chart === undefined) continue;
    const { svg, png } = await renderChart(chart);
    await writeFileAtomic(join(dir, `${file}.svg`), svg);
    await writeFileAtomic(join(dir, `${file}.png`), png);
    written.push(file);
  }
  const readings = { en: sweepReadings(points, 'en'), ko: sweepReadings(points, 'ko') };
  const rows = [...points].sort((a, b) => b.accuracy.mean - a.accuracy.mean);
  const md = [
    `# mnist-lab sweep: ${name}`,
    '',
    `${results.length} runs: ${spec.axes.map((a) => `${a.field} over ${a.values.map(valueText).join(', ')}`).join('; ')}; ${spec.seeds} seed${spec.seeds > 1 ? 's' : ''} each (${spec.mode}${spec.mode === 'random' ? `, ${spec.samples} samples` : ''}). Base: \`${JSON.stringify(spec.base)}\`.`,
    '',
    '## What this sweep shows',
    '',
    ...readings.en.map((r) => `- ${r}`),
    '',
    '## 이 스윕이 보여 주는 것',
    '',
    ...readings.ko.map((r) => `- ${r}`),
    '',
    '## Points, best first',
    '',
    '| settings | test accuracy (%) | seeds | diverged | failed |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (p) =>
        `| ${sweepPointText(p.point)}${p.lesson ? ' (the lesson)' : ''} | ${sweepAccuracyText(p.accuracy)} | ${p.accuracy.n} | ${p.diverged} | ${p.failed} |`,
    ),
    '',
    ...written.flatMap((c) => [`![${c}](${c}.svg)`, '']),
    'Every run is in `results.jsonl` (one line each, its history and its model file’s SHA-256) and in `runs/<id>/`.',
    '',
  ].join('\n');
  await writeFileAtomic(join(dir, 'report.md'), md);
  return { charts: written, readings };
}
