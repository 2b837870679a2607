import {
  gradientSeries,
  initialSpread,
  LESSON_CLAIMS,
  overfitSeries,
  preActivationSeries,
  type RunRecord,
} from '@mnist-lab/lesson';
import type { TopLevelSpec } from 'vega-lite';
import { epochAxis, HEIGHT, WIDTH } from './results-charts';

/** The vanishing gradient: each layer's weight-gradient norm over training, sigmoid beside ReLU. */
export function gradientChart(records: readonly RunRecord[]): TopLevelSpec | undefined {
  const { with: a, without: b } = LESSON_CLAIMS['vanishing-gradient'];
  const values = [a, b].flatMap((network) =>
    gradientSeries(records, network).map((p) => ({ ...p, network })),
  );
  if (!values.some((v) => v.network === a) || !values.some((v) => v.network === b))
    return undefined;
  return {
    title: "Gradient norm of each layer's weights during training: sigmoid against ReLU",
    data: { values: values.filter((v) => v.gradNorm > 0) },
    facet: { column: { field: 'network', type: 'nominal', title: null, sort: [a, b] } },
    spec: {
      width: WIDTH * 0.55,
      height: HEIGHT,
      mark: { type: 'line', point: { size: 20 } },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'training step' },
        y: {
          field: 'gradNorm',
          type: 'quantitative',
          title: 'gradient norm (log scale)',
          scale: { type: 'log' },
        },
        color: { field: 'layer', type: 'nominal', title: 'layer', sort: ['fc1', 'fc2', 'fc3'] },
      },
    },
  } as TopLevelSpec;
}

/**
 * Batch norm: each hidden layer's pre-activations over training, as their mean (line) and the band
 * one standard deviation either side, ReLU without and with batch norm. (Every probe's histogram
 * is in `results.json`.)
 */
export function batchNormChart(records: readonly RunRecord[]): TopLevelSpec | undefined {
  const { with: a, without: b } = LESSON_CLAIMS['batch-norm'];
  const values = [b, a].flatMap((network) =>
    preActivationSeries(records, network).map((p) => ({
      network,
      layer: p.layer,
      step: p.step,
      mean: p.mean,
      lo: p.mean - p.std,
      hi: p.mean + p.std,
    })),
  );
  if (!values.some((v) => v.network === a) || !values.some((v) => v.network === b))
    return undefined;
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  const color = { field: 'layer', type: 'nominal', title: 'layer' };
  return {
    title:
      "Each hidden layer's pre-activations over training: mean, and one standard deviation either side",
    data: { values },
    facet: { column: { field: 'network', type: 'nominal', title: null, sort: [b, a] } },
    spec: {
      width: WIDTH * 0.55,
      height: HEIGHT,
      layer: [
        {
          mark: { type: 'area', opacity: 0.25 },
          encoding: {
            x,
            y: {
              field: 'lo',
              type: 'quantitative',
              title: "pre-activation (the activation's input)",
            },
            y2: { field: 'hi' },
            color,
          },
        },
        {
          mark: { type: 'line', point: { size: 15 } },
          encoding: { x, y: { field: 'mean', type: 'quantitative' }, color },
        },
      ],
    },
  } as TopLevelSpec;
}

/** The two initializations' colours, the same in both panels. */
const INIT_COLORS = { domain: ["PyTorch's default", 'He'], range: ['#6b717a', '#0b5cad'] };

/**
 * He initialization: each layer's output spread at the first step, PyTorch's default against He's,
 * in two panels: without batch norm (the control pair: the mechanism itself) and with it (the
 * lesson's pair, where batch norm rescales each layer). Log scale: a constant factor per layer is a
 * straight line, one factor in every layer two parallel lines.
 */
export function initChart(records: readonly RunRecord[]): TopLevelSpec | undefined {
  const { with: a, without: b, control } = LESSON_CLAIMS['he-init'];
  const panels = [
    { setting: 'without batch norm (ReLU, no dropout)', base: control.without, he: control.with },
    { setting: "with batch norm (the lesson's bn and he)", base: b, he: a },
  ].filter((g) => [g.base, g.he].every((n) => initialSpread(records, n).length > 0));
  if (panels.length === 0) return undefined;
  const values = panels.flatMap((g) =>
    [g.base, g.he].flatMap((network) =>
      initialSpread(records, network).map((l) => ({
        ...l,
        network,
        setting: g.setting,
        init: network === g.he ? 'He' : "PyTorch's default",
      })),
    ),
  );
  const x = { field: 'layer', type: 'ordinal', title: 'layer', axis: { labelAngle: 0 } };
  const stds = values.map((v) => v.std).filter((v) => v > 0);
  const y = {
    field: 'std',
    type: 'quantitative',
    title: 'standard deviation (log scale)',
    scale: { type: 'log', domain: [Math.min(...stds) / 1.6, Math.max(...stds) * 1.6], nice: false },
  };
  return {
    title:
      "Spread of each layer's output at the first step: PyTorch's default against He's initialization",
    data: { values },
    facet: {
      column: {
        field: 'setting',
        type: 'nominal',
        title: null,
        sort: panels.map((g) => g.setting),
      },
    },
    spec: {
      width: WIDTH * 0.5,
      height: HEIGHT,
      encoding: { x, y },
      layer: [
        {
          mark: { type: 'line', point: { size: 40, filled: true }, strokeWidth: 2 },
          encoding: {
            color: { field: 'init', type: 'nominal', title: 'initialization', scale: INIT_COLORS },
          },
        },
        {
          mark: { type: 'text', dy: -10, fontSize: 10 },
          encoding: {
            text: { field: 'std', type: 'quantitative', format: '.2f' },
            color: { field: 'init', type: 'nominal', scale: INIT_COLORS },
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  } as TopLevelSpec;
}

/** Dropout: accuracy on training examples (eval mode) and on the test set, with and without dropout. */
export function dropoutChart(
  records: readonly RunRecord[],
  epochs: number,
): TopLevelSpec | undefined {
  const { with: a, without: b } = LESSON_CLAIMS.dropout;
  const values = [a, b]
    .flatMap((network) =>
      overfitSeries(records, network).flatMap((e) => [
        {
          network: network === a ? 'dropout 0.5 (relu)' : 'no dropout',
          epoch: e.epoch,
          set: 'training examples',
          value: e.train * 100,
        },
        {
          network: network === a ? 'dropout 0.5 (relu)' : 'no dropout',
          epoch: e.epoch,
          set: 'test set',
          value: e.test * 100,
        },
      ]),
    )
    .filter((v) => Number.isFinite(v.value));
  if (!values.some((v) => v.network === 'no dropout')) return undefined;
  const title =
    'Accuracy on training examples and on the test set (both in eval mode): with and without dropout';
  if (epochs === 1)
    return {
      title,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'network', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'set' },
        y: { field: 'value', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
        color: { field: 'set', type: 'nominal', title: null, legend: { symbolType: 'square' } },
      },
    } as TopLevelSpec;
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: epochAxis(epochs),
      y: { field: 'value', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
      color: { field: 'network', type: 'nominal', title: 'network' },
      strokeDash: {
        field: 'set',
        type: 'nominal',
        title: 'measured on',
        legend: { symbolType: 'stroke', symbolStrokeColor: '#333', symbolStrokeWidth: 2 },
      },
    },
  } as TopLevelSpec;
}
