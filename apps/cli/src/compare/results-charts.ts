import type { RunRecord } from '@mnist-lab/lesson';
import type { TopLevelSpec } from 'vega-lite';
import type { SummaryRow } from './summary';

export const WIDTH = 520;
export const HEIGHT = 300;
/** Whole epochs on the axis: 1, 2, 3 (not 1.0, 1.5). */
export const epochAxis = (epochs: number) => ({
  field: 'epoch',
  type: 'quantitative' as const,
  title: 'epoch',
  scale: { domain: [1, Math.max(2, epochs)], nice: false },
  axis: { format: 'd', tickMinStep: 1, values: Array.from({ length: epochs }, (_, i) => i + 1) },
});
const SOURCE_LABELS = (seeds: number) => ({
  ours: `mnist-lab (${seeds > 1 ? `mean of ${seeds} seeds` : 'one seed'})`,
  lesson: "the lesson's printed run",
});

/** One value of a network at an epoch, ours or the lesson's. */
interface Point {
  network: string;
  epoch: number;
  value: number;
  std: number;
  source: string;
}

function points(
  summary: Record<string, SummaryRow[]>,
  seeds: number,
  ours: (r: SummaryRow) => { mean: number; std: number },
  lesson: (r: SummaryRow) => number | undefined,
): Point[] {
  const label = SOURCE_LABELS(seeds);
  return Object.entries(summary).flatMap(([network, rows]) =>
    rows.flatMap((r) => {
      const o = ours(r);
      const l = lesson(r);
      return [
        ...(Number.isNaN(o.mean)
          ? []
          : [{ network, epoch: r.epoch, value: o.mean, std: o.std, source: label.ours }]),
        ...(l === undefined
          ? []
          : [{ network, epoch: r.epoch, value: l, std: 0, source: label.lesson }]),
      ];
    }),
  );
}

/**
 * Accuracy or loss per epoch, ours (solid) beside the lesson's (dashed). Over several epochs, two
 * panels: every network, and a zoom on the ones that crowd near the top; after one epoch, bars.
 */
export function perEpochChart(
  title: string,
  yTitle: string,
  summary: Record<string, SummaryRow[]>,
  settings: { epochs: number; seeds: number },
  pick: {
    ours: (r: SummaryRow) => { mean: number; std: number };
    lesson: (r: SummaryRow) => number | undefined;
  },
  zoom: 'top' | 'none',
): TopLevelSpec {
  const values = points(summary, settings.seeds, pick.ours, pick.lesson);
  const label = SOURCE_LABELS(settings.seeds);
  const color = { field: 'network', type: 'nominal' as const, title: 'network' };
  if (settings.epochs === 1) return oneEpochBars(title, yTitle, values, settings.seeds);
  const dash = {
    field: 'source',
    type: 'nominal' as const,
    title: 'results',
    scale: {
      domain: [label.ours, label.lesson],
      range: [
        [1, 0],
        [5, 4],
      ],
    },
    legend: {
      symbolType: 'stroke',
      symbolStrokeColor: '#333',
      symbolStrokeWidth: 2,
      labelLimit: 260,
    },
  };
  const panel = (subtitle: string, data: Point[], domain?: [number, number]) => ({
    title: subtitle,
    width: zoom === 'top' ? WIDTH * 0.62 : WIDTH,
    height: HEIGHT,
    data: { values: data },
    mark: { type: 'line' as const, strokeWidth: 2 },
    encoding: {
      x: epochAxis(settings.epochs),
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: yTitle,
        scale: domain === undefined ? { zero: false } : { domain, zero: false },
      },
      color,
      strokeDash: dash,
      detail: { field: 'source' },
    },
  });
  if (zoom === 'none') return { ...panel('', values), title } as TopLevelSpec;
  // The zoom: networks whose final value is within 4 points of the best, on a tight scale.
  const finals = Object.entries(summary).map(
    ([n, rows]) => [n, rows.at(-1)?.accuracy.mean ?? 0] as const,
  );
  const best = Math.max(...finals.map(([, v]) => v));
  const near = new Set(finals.filter(([, v]) => v >= best - 0.04).map(([n]) => n));
  const crowded = values.filter((p) => near.has(p.network) && p.epoch >= 2);
  const lo = Math.min(...crowded.map((p) => p.value));
  const hi = Math.max(...crowded.map((p) => p.value));
  return {
    title,
    hconcat: [
      panel('every network', values),
      panel(`zoom: ${[...near].join(', ')}, from epoch 2`, crowded, [
        Math.floor(lo - 0.3),
        Math.ceil(hi + 0.2),
      ]),
    ],
  } as TopLevelSpec;
}

function oneEpochBars(title: string, yTitle: string, values: Point[], seeds: number): TopLevelSpec {
  const withBounds = values.map((p) => ({ ...p, lo: p.value - p.std, hi: p.value + p.std }));
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: withBounds },
    encoding: {
      x: { field: 'network', type: 'nominal', title: 'network', axis: { labelAngle: 0 } },
      xOffset: { field: 'source' },
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'value', type: 'quantitative', title: yTitle },
          color: {
            field: 'source',
            type: 'nominal',
            title: 'results',
            legend: { symbolType: 'square', labelLimit: 260 },
          },
        },
      },
      ...(seeds > 1
        ? [
            {
              mark: 'rule' as const,
              encoding: { y: { field: 'lo', type: 'quantitative' as const }, y2: { field: 'hi' } },
            },
          ]
        : []),
      {
        mark: { type: 'text', dy: -6, fontSize: 10 },
        encoding: {
          y: { field: 'value', type: 'quantitative' },
          text: { field: 'value', type: 'quantitative', format: '.2f' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** The final accuracy of each network as bars (mean over seeds, the seeds as dots), the lesson's as a tick. */
export function finalAccuracyChart(
  summary: Record<string, SummaryRow[]>,
  records: readonly RunRecord[],
  epochs: number,
): TopLevelSpec {
  const bars = Object.entries(summary).map(([network, rows]) => {
    const r = rows.at(-1);
    const mean = (r?.accuracy.mean ?? Number.NaN) * 100;
    const std = (r?.accuracy.std ?? 0) * 100;
    return {
      network,
      mean,
      lo: mean - std,
      hi: mean + std,
      label: `${mean.toFixed(2)}${(r?.accuracy.n ?? 0) > 1 ? ` ± ${std.toFixed(2)}` : ''}`,
      lesson: r?.lessonAccuracy === undefined ? null : r.lessonAccuracy * 100,
    };
  });
  const seeds = records.map((r) => ({
    network: r.network,
    value: (r.epochs.find((e) => e.epoch === epochs)?.testAccuracy ?? Number.NaN) * 100,
  }));
  const x = {
    field: 'network',
    type: 'nominal' as const,
    sort: null,
    title: 'network',
    axis: { labelAngle: 0 },
  };
  return {
    title: `Test accuracy after epoch ${epochs}: mean over seeds (bars), each seed (dots), the lesson's run (black tick)`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar', color: '#9ecae1' },
        encoding: {
          x,
          y: {
            field: 'mean',
            type: 'quantitative',
            title: 'test accuracy (%)',
            scale: { domain: [0, 100] },
          },
        },
      },
      {
        data: { values: bars },
        mark: 'rule',
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { values: bars },
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x, y: { field: 'lesson', type: 'quantitative' } },
      },
      {
        data: { values: seeds },
        mark: { type: 'point', filled: true, color: '#08519c', size: 25 },
        encoding: { x, y: { field: 'value', type: 'quantitative' } },
      },
      {
        data: { values: bars },
        mark: { type: 'text', dy: -8, fontSize: 11 },
        encoding: { x, y: { datum: 0 }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}
