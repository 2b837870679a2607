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

/** What the final accuracy chart draws per network: the mean, ± one std, its label, the lesson's. */
interface FinalBar {
  network: string;
  mean: number;
  lo: number;
  hi: number;
  label: string;
  lesson: number | null;
}

/** A scale's domain around `values`, padded, to whole numbers (or halves below 3 points). */
function zoomDomain(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = Math.max(0.15, (hi - lo) * 0.1);
  const step = hi - lo < 3 ? 0.5 : 1;
  return [Math.floor((lo - pad) / step) * step, Math.min(100, Math.ceil((hi + pad) / step) * step)];
}

/** One panel of the final accuracy chart: each network's mean ± std, its seeds, the lesson's tick. */
function finalPanel(
  subtitle: string,
  bars: readonly FinalBar[],
  seeds: readonly { network: string; value: number }[],
) {
  const x = {
    field: 'network',
    type: 'nominal' as const,
    sort: bars.map((b) => b.network),
    title: 'network',
    axis: { labelAngle: bars.length > 4 ? -25 : 0 },
  };
  const domain = zoomDomain([
    ...bars.flatMap((b) => [b.lo, b.hi, b.lesson ?? Number.NaN]),
    ...seeds.map((p) => p.value),
  ]);
  const y = { type: 'quantitative' as const, scale: { domain, zero: false } };
  return {
    title: subtitle,
    width: Math.max(WIDTH * 0.4, 75 * bars.length),
    height: HEIGHT,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rule', strokeWidth: 2, color: '#08519c' },
        encoding: { x, y: { ...y, field: 'lo', title: 'test accuracy (%)' }, y2: { field: 'hi' } },
      },
      {
        data: { values: bars },
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x, y: { ...y, field: 'lesson' } },
      },
      {
        data: { values: seeds },
        mark: { type: 'point', color: '#08519c', size: 30 },
        encoding: { x, y: { ...y, field: 'value' } },
      },
      {
        data: { values: bars },
        mark: { type: 'point', filled: true, color: '#08519c', size: 90, shape: 'diamond' },
        encoding: { x, y: { ...y, field: 'mean' } },
      },
      {
        data: { values: bars },
        mark: { type: 'text', dx: 22, align: 'left', fontSize: 10 },
        encoding: { x, y: { ...y, field: 'mean' }, text: { field: 'label' } },
      },
    ],
  };
}

/**
 * The final accuracy of each network: the mean over seeds (diamond) with one standard deviation
 * either side, each seed (circles), the lesson's run (black tick), on a scale zoomed to the values.
 * Where some networks end far below the best (sigmoid), a second panel zooms on those within 4
 * points of it.
 */
export function finalAccuracyChart(
  summary: Record<string, SummaryRow[]>,
  records: readonly RunRecord[],
  epochs: number,
): TopLevelSpec {
  const bars: FinalBar[] = Object.entries(summary).map(([network, rows]) => {
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
  const title = `Test accuracy after epoch ${epochs}: mean over seeds (diamond, ± one std), each seed (circles), the lesson's run (black tick)`;
  const best = Math.max(...bars.map((b) => b.mean));
  const near = bars.filter((b) => b.mean >= best - 4);
  if (near.length === bars.length || near.length < 2)
    return { ...finalPanel('', bars, seeds), title } as TopLevelSpec;
  const names = new Set(near.map((b) => b.network));
  return {
    title,
    hconcat: [
      finalPanel('every network', bars, seeds),
      finalPanel(
        `zoom: within 4 points of the best`,
        near,
        seeds.filter((p) => names.has(p.network)),
      ),
    ],
  } as TopLevelSpec;
}
