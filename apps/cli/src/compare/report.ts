import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BackendReport } from '@mnist-lab/backends';
import {
  type EpochEventLine,
  formatPercent,
  LESSON_PRESET_TITLES,
  LESSON_RECIPE,
  type LessonPreset,
} from '@mnist-lab/lesson';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import Table from 'cli-table3';
import { lineChart, type SeriesPoint } from '../charts';
import { meanStd } from '../stats';
import type { CompareRun, PoolResult } from './child-runs';
import { fmt, fmtPercent, type SummaryRow } from './summary';

/** What a comparison ran and how. */
export interface CompareSettings {
  readonly presets: readonly LessonPreset[];
  readonly seeds: number;
  readonly epochs: number;
  readonly trainSize: number | 'all';
  readonly testSize: number | 'all';
  readonly dataset: string;
  readonly jobs: number;
}

/** The accuracy table for the terminal: ours beside the lesson's, per epoch. */
export function accuracyTable(
  settings: CompareSettings,
  summary: Record<string, SummaryRow[]>,
  color: boolean,
): string {
  const { presets, epochs } = settings;
  const table = new Table({
    head: ['epoch', ...presets.flatMap((p) => [`${p} (ours)`, `${p} (lesson)`])],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
  });
  for (let i = 0; i < epochs; i++)
    table.push([
      String(i + 1),
      ...presets.flatMap((p) => [
        fmtPercent(summary[p]?.[i]?.accuracy ?? meanStd([])),
        formatPercent(summary[p]?.[i]?.lessonAccuracy),
      ]),
    ]);
  return table.toString();
}

/**
 * Writes the report into `dir`: the accuracy and loss charts (SVG and PNG), `results.json` (the
 * machine, the settings, the summary and every run's epochs) and `report.md`.
 */
export async function writeReport(
  dir: string,
  settings: CompareSettings,
  runs: readonly CompareRun[],
  pool: PoolResult,
  summary: Record<string, SummaryRow[]>,
  backend: BackendReport,
  wallSeconds: number,
): Promise<void> {
  const { presets } = settings;
  const points = (pick: (r: SummaryRow) => number, lesson: (r: SummaryRow) => number | undefined) =>
    seriesPoints(presets, summary, pick, lesson);
  const charts = [
    [
      'accuracy',
      await lineChart(
        'Test accuracy per epoch',
        'test accuracy (%)',
        points(
          (r) => r.accuracy.mean * 100,
          (r) => (r.lessonAccuracy === undefined ? undefined : r.lessonAccuracy * 100),
        ),
      ),
    ],
    [
      'loss',
      await lineChart(
        'Test loss per epoch (as the lesson prints it)',
        'test loss',
        points(
          (r) => r.lessonTestLoss.mean,
          (r) => r.printedLessonTestLoss,
        ),
      ),
    ],
  ] as const;
  for (const [name, chart] of charts) {
    await writeFileAtomic(join(dir, `${name}.svg`), chart.svg);
    await writeFileAtomic(join(dir, `${name}.png`), chart.png);
  }
  const machine = {
    cpu: cpus()[0]?.model.trim(),
    cores: cpus().length,
    node: process.version,
    backend: backend.backend,
    device: backend.device,
    matmul: backend.matmul,
  };
  const epochsOf = (r: CompareRun): EpochEventLine[] =>
    pool.events
      .filter((e) => e.config === r.preset && e.seed === r.seed)
      .sort((a, b) => a.epoch - b.epoch);
  const results = {
    generated: new Date().toISOString(),
    machine,
    settings,
    wallSeconds,
    summary,
    runs: runs.map((r) => ({
      ...r,
      model: pool.models[`${r.preset}-seed${r.seed}`],
      epochs: epochsOf(r),
    })),
    failures: pool.failures,
  };
  await writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFileAtomic(
    join(dir, 'report.md'),
    reportMarkdown(
      presets,
      settings.epochs,
      settings.seeds,
      summary,
      settings,
      machine,
      wallSeconds,
      pool.failures,
    ),
  );
}

/** Ours (the mean over seeds) and the lesson's, per preset and epoch, as chart points. */
function seriesPoints(
  presets: readonly LessonPreset[],
  summary: Record<string, SummaryRow[]>,
  pick: (r: SummaryRow) => number,
  lesson: (r: SummaryRow) => number | undefined,
): SeriesPoint[] {
  return presets.flatMap((p) =>
    (summary[p] ?? []).flatMap((r) => {
      const ours = pick(r);
      const theirs = lesson(r);
      return [
        ...(Number.isNaN(ours)
          ? []
          : [{ series: p, epoch: r.epoch, value: ours, source: 'ours' as const }]),
        ...(theirs === undefined
          ? []
          : [{ series: p, epoch: r.epoch, value: theirs, source: 'lesson' as const }]),
      ];
    }),
  );
}

function reportMarkdown(
  presets: readonly LessonPreset[],
  epochs: number,
  seeds: number,
  summary: Record<string, SummaryRow[]>,
  settings: CompareSettings,
  machine: Record<string, unknown>,
  wallSeconds: number,
  failures: readonly string[],
): string {
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
  const lines = [
    '# mnist-lab compare',
    '',
    `The lesson's experiments reproduced with mnist-lab: ${presets.map((p) => `**${p}** (${LESSON_PRESET_TITLES[p]})`).join(', ')}; ${epochs} epochs, ${seeds} seed${seeds > 1 ? 's' : ''} each (seeds 1..${seeds}), SGD lr ${LESSON_RECIPE.lr} momentum ${LESSON_RECIPE.momentum}, batch ${LESSON_RECIPE.batchSize}.`,
    '',
    `Settings: \`${JSON.stringify(settings)}\`. Machine: \`${JSON.stringify(machine)}\`. Wall time: ${wallSeconds.toFixed(0)} s.`,
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
    '![Test accuracy per epoch](accuracy.svg)',
    '',
    '![Test loss per epoch](loss.svg)',
    '',
    "Solid lines: ours (the mean over seeds). Dashed: the lesson's single run. Every run's epochs, and its model, are in `results.json` and `runs/`.",
    ...(failures.length > 0 ? ['', '## Failed runs', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ];
  return lines.join('\n');
}
