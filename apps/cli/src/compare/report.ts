import { cpus } from 'node:os';
import { join } from 'node:path';
import { type BackendReport, cpuName } from '@mnist-lab/backends';
import {
  formatPercent,
  LESSON_CONTROLS,
  LESSON_PRESET_TITLES,
  LESSON_RECIPE,
  type Reading,
} from '@mnist-lab/lesson';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import Table from 'cli-table3';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from '../charts';
import { meanStd } from '../stats';
import type { CompareRun, PoolResult } from './child-runs';
import { batchNormChart, dropoutChart, gradientChart, initChart } from './mechanism-charts';
import { finalAccuracyChart, perEpochChart } from './results-charts';
import { fmt, fmtPercent, type SummaryRow } from './summary';

/** What a comparison ran and how. */
export interface CompareSettings {
  /** The networks: the lesson's presets asked for, then any control network. */
  readonly presets: readonly string[];
  readonly seeds: number;
  readonly epochs: number;
  readonly trainSize: number | 'all';
  readonly testSize: number | 'all';
  readonly dataset: string;
  readonly jobs: number;
  readonly probeEvery: number;
}

/** A network's name as a table header: `relu-he-no-dropout` on two lines, `relu-he` / `no dropout`. */
const headerName = (network: string) => network.replace(/-no-/, '\nno ');

/**
 * The accuracy table for the terminal, within 100 columns: a row per epoch, a column per network,
 * each cell ours (mean ± std over seeds) over the lesson's printed number where it has one.
 */
export function accuracyTable(
  settings: CompareSettings,
  summary: Record<string, SummaryRow[]>,
  color: boolean,
): string {
  const { presets, epochs } = settings;
  const table = new Table({
    head: ['epoch', ...presets.map(headerName)],
    style: {
      head: color ? ['cyan'] : [],
      border: color ? ['grey'] : [],
      'padding-left': 1,
      'padding-right': 1,
    },
  });
  for (let i = 0; i < epochs; i++)
    table.push([
      String(i + 1),
      ...presets.map((p) => {
        const lesson = formatPercent(summary[p]?.[i]?.lessonAccuracy);
        const ours = fmtPercent(summary[p]?.[i]?.accuracy ?? meanStd([]));
        return lesson === '—' ? ours : `${ours}\nlesson ${lesson}`;
      }),
    ]);
  return table.toString();
}

/** A chart of the report: its file name, what it shows (the caption), and its spec. */
interface ReportChart {
  readonly name: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** The report's charts: the results, then one per mechanism whose pair of networks ran. */
function reportCharts(
  settings: CompareSettings,
  summary: Record<string, SummaryRow[]>,
  pool: PoolResult,
): ReportChart[] {
  const { epochs, seeds } = settings;
  const records = pool.records;
  const percent = (m: { mean: number; std: number }) => ({ mean: m.mean * 100, std: m.std * 100 });
  const mechanisms: [string, string, TopLevelSpec | undefined][] = [
    [
      'gradients',
      "**Vanishing gradient.** Each layer's weight-gradient norm as training goes, sigmoid beside ReLU, on a log scale: the distance between fc1's line and fc3's is how much of the last layer's gradient reaches the first (the readings give the ratio).",
      gradientChart(records),
    ],
    [
      'batchnorm',
      "**Batch normalization.** Where each hidden layer's pre-activations lie as training goes (the band: one standard deviation either side of the mean), without batch norm (relu) and with it (bn); the readings say how far each spread moved.",
      batchNormChart(records),
    ],
    [
      'init',
      "**He initialization.** Each layer's output spread at the very first step, PyTorch's default initialization against He's: without batch norm (ReLU, no dropout: relu-no-dropout and relu-he-no-dropout), where the initialization alone sets it, and in the lesson's pair with batch norm (bn and he). On the log scale one factor per layer is a straight line; the readings give the factors.",
      initChart(records),
    ],
    [
      'dropout',
      '**Dropout.** Accuracy on training examples and on the test set, both in eval mode, with dropout 0.5 (relu) and without (relu-no-dropout): the gap between the two is what a network memorized (the readings give both gaps).',
      dropoutChart(records, epochs),
    ],
  ];
  return [
    {
      name: 'accuracy',
      caption: `Test accuracy per epoch: ours (solid${seeds > 1 ? `, the mean of ${seeds} seeds` : ''}) beside the lesson's printed run (dashed).`,
      spec: perEpochChart(
        'Test accuracy per epoch',
        'test accuracy (%)',
        summary,
        settings,
        {
          ours: (r) => percent(r.accuracy),
          lesson: (r) => (r.lessonAccuracy === undefined ? undefined : r.lessonAccuracy * 100),
        },
        'top',
      ),
    },
    {
      name: 'final',
      caption: `Test accuracy after epoch ${epochs}, per network, with the spread over seeds.`,
      spec: finalAccuracyChart(summary, records, epochs),
    },
    {
      name: 'loss',
      caption:
        "The lesson's test loss per epoch (the sum of per-batch mean losses over the number of examples).",
      spec: perEpochChart(
        'Test loss per epoch (as the lesson prints it)',
        'test loss',
        summary,
        settings,
        { ours: (r) => r.lessonTestLoss, lesson: (r) => r.printedLessonTestLoss },
        'none',
      ),
    },
    ...mechanisms.flatMap(([name, caption, spec]) =>
      spec === undefined ? [] : [{ name, caption, spec }],
    ),
  ];
}

/**
 * Writes the report into `dir`: the charts (SVG and PNG), `results.json` (the machine, the
 * settings, the summary, the readings and every run's epochs and probes) and `report.md`.
 */
export async function writeReport(
  dir: string,
  settings: CompareSettings,
  runs: readonly CompareRun[],
  pool: PoolResult,
  summary: Record<string, SummaryRow[]>,
  readings: { en: Reading[]; ko: Reading[] },
  backend: BackendReport,
  wallSeconds: number,
): Promise<string[]> {
  const charts = reportCharts(settings, summary, pool);
  for (const chart of charts) {
    const { svg, png } = await renderChart(chart.spec);
    await writeFileAtomic(join(dir, `${chart.name}.svg`), svg);
    await writeFileAtomic(join(dir, `${chart.name}.png`), png);
  }
  const machine = {
    cpu: cpuName(),
    cores: cpus().length,
    node: process.version,
    backend: backend.backend,
    device: backend.device,
    matmul: backend.matmul,
  };
  const results = {
    generated: new Date().toISOString(),
    machine,
    settings,
    wallSeconds,
    summary,
    readings,
    runs: runs.map((r) => {
      const record = pool.records.find((x) => x.network === r.network && x.seed === r.seed);
      return {
        ...r,
        model: pool.models[`${r.network}-seed${r.seed}`],
        epochs: record?.epochs ?? [],
        probes: record?.probes ?? [],
      };
    }),
    failures: pool.failures,
  };
  await writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFileAtomic(
    join(dir, 'report.md'),
    reportMarkdown(settings, summary, charts, readings.en, machine, wallSeconds, pool.failures),
  );
  return charts.map((c) => c.name);
}

function reportMarkdown(
  settings: CompareSettings,
  summary: Record<string, SummaryRow[]>,
  charts: readonly ReportChart[],
  readings: readonly Reading[],
  machine: Record<string, unknown>,
  wallSeconds: number,
  failures: readonly string[],
): string {
  const { presets, epochs, seeds } = settings;
  // One row per epoch: ours and the lesson's, side by side for each network.
  const table = (
    ours: (r: SummaryRow | undefined) => string,
    lesson: (r: SummaryRow | undefined) => string | undefined,
  ) => [
    `| epoch | ${presets.map((p) => `${p} (ours) | ${p} (lesson)`).join(' | ')} |`,
    `| --- | ${presets.map(() => '--- | ---').join(' | ')} |`,
    ...Array.from(
      { length: epochs },
      (_, i) =>
        `| ${i + 1} | ${presets.map((p) => `${ours(summary[p]?.[i])} | ${lesson(summary[p]?.[i]) ?? '—'}`).join(' | ')} |`,
    ),
  ];
  const titles: Record<string, string> = {
    ...LESSON_PRESET_TITLES,
    ...Object.fromEntries(Object.entries(LESSON_CONTROLS).map(([k, v]) => [k, v.title])),
  };
  const chartSection = (names: string[]) =>
    charts
      .filter((c) => names.includes(c.name))
      .flatMap((c) => [`![${c.name}](${c.name}.svg)`, '', c.caption, '']);
  const results = ['accuracy', 'final', 'loss'];
  return [
    '# mnist-lab compare',
    '',
    `The lesson's experiments reproduced with mnist-lab: ${presets.map((p) => `**${p}** (${titles[p] ?? p})`).join(', ')}; ${epochs} epoch${epochs > 1 ? 's' : ''}, ${seeds} seed${seeds > 1 ? 's' : ''} each (seeds 1..${seeds}), SGD lr ${LESSON_RECIPE.lr} momentum ${LESSON_RECIPE.momentum}, batch ${LESSON_RECIPE.batchSize}; every run probed every ${settings.probeEvery} steps.`,
    '',
    `Settings: \`${JSON.stringify(settings)}\`. Machine: \`${JSON.stringify(machine)}\`. Wall time: ${wallSeconds.toFixed(0)} s.`,
    '',
    '## What this run shows',
    '',
    ...readings.map((r) => `- ${r.text}`),
    '',
    `## Test accuracy (%)${seeds > 1 ? `, mean ± std over ${seeds} seeds` : ''}, beside the lesson's printed numbers`,
    '',
    ...table(
      (r) => fmtPercent(r?.accuracy ?? meanStd([])),
      (r) => formatPercent(r?.lessonAccuracy),
    ),
    '',
    "## Test loss (the lesson's: sum of batch means / examples)",
    '',
    ...table(
      (r) => fmt(r?.lessonTestLoss ?? meanStd([]), 4),
      (r) => r?.printedLessonTestLoss?.toFixed(4),
    ),
    '',
    '## Results',
    '',
    ...chartSection(results),
    '## Mechanisms: why the numbers differ',
    '',
    ...chartSection(charts.map((c) => c.name).filter((n) => !results.includes(n))),
    "Every run's epochs and probes, and its model, are in `results.json` and `runs/`.",
    ...(failures.length > 0 ? ['', '## Failed runs', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
}
