import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type BackendReport, type BlasMode, initBackend } from '@mnist-lab/backends';
import {
  type EpochEventLine,
  formatPercent,
  LESSON_PRESET_NAMES,
  LESSON_RECIPE,
  type LessonPreset,
} from '@mnist-lab/lesson';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type CompareRun, type PoolResult, runLabel, runPool } from '../compare/child-runs';
import { accuracyTable, type CompareSettings, writeReport } from '../compare/report';
import { summarize } from '../compare/summary';
import { nameList, positiveInt } from '../options';
import { matmulNote, Output } from '../output';
import { claimRunFolder } from '../run-folder';
import { addDataOptions } from '../run-options';

interface CompareOptions {
  presets?: LessonPreset[];
  seeds: number;
  epochs?: number;
  jobs?: number;
  quick?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  dataset?: string;
  data?: string;
  trainSize?: number;
  testSize?: number;
  backend?: string;
  blas?: BlasMode;
}

/**
 * On the first Ctrl-C (which the terminal also sends to every run), starts no further run and lets
 * the running ones stop after their step with a checkpoint; the second Ctrl-C quits at once.
 */
function stopChildrenOnInterrupt(output: Output): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    output.log(
      '\nCtrl-C: the runs stop after their current step (Ctrl-C again to quit at once)...',
    );
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller.signal;
}

export function registerCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      "run the lesson's experiments (default: its four networks, 10 epochs) over seeds, in parallel, and report",
    )
    .option(
      '--presets <names>',
      `networks to compare (default ${LESSON_PRESET_NAMES.join(',')})`,
      nameList(LESSON_PRESET_NAMES),
    )
    .option('--seeds <n>', 'seeds per network: 1..N', positiveInt, 1)
    .option('--epochs <n>', 'epochs per run (default 10; 1 with --quick)', positiveInt)
    .option(
      '--jobs <n>',
      'runs in parallel (default: one per core on a single-threaded backend)',
      positiveInt,
    )
    .option('--quick', "a one-minute version: one epoch of each network (the lesson's first row)")
    .option(
      '--out <dir>',
      'report folder (default mnist-lab-report, mnist-lab-report-quick with --quick, or the next free <…>-2, <…>-3)',
    )
    .option('--force', 'with --out: replace what another report left in that folder');
  addDataOptions(cmd)
    .option('--json', 'one JSON object per line on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(compareAction);
}

/** `compare`: claims the report folder, runs the pool, then the table and the report. */
async function compareAction(opts: CompareOptions): Promise<void> {
  const output = new Output(opts);
  const presets = opts.presets ?? LESSON_PRESET_NAMES;
  const epochs = opts.epochs ?? (opts.quick ? 1 : LESSON_RECIPE.epochs);
  const lock = await claimRunFolder({
    dir: opts.out ?? (opts.quick ? 'mnist-lab-report-quick' : 'mnist-lab-report'),
    flag: '--out',
    explicit: opts.out !== undefined,
    force: opts.force === true,
    kind: 'compare',
    name: `${presets.join(',')} × ${opts.seeds} seed${opts.seeds > 1 ? 's' : ''}, ${epochs} epoch${epochs > 1 ? 's' : ''}`,
    log: (m) => output.log(m),
  });
  const reportDir = lock.dir;
  const stopping = stopChildrenOnInterrupt(output);
  const backend = await initBackend({
    prefer: (opts.backend ?? 'auto') as never,
    blas: opts.blas ?? 'auto',
  });
  const singleThreaded = backend.deviceKind === 'cpu' && backend.threads === 1;
  const jobs = opts.jobs ?? (singleThreaded ? availableParallelism() : 1);
  const runs = presets.flatMap((preset) =>
    Array.from({ length: opts.seeds }, (_, i) => ({ preset, seed: i + 1 })),
  );
  output.log(
    `${runs.length} runs (${presets.join(', ')} × ${opts.seeds} seed${opts.seeds > 1 ? 's' : ''}), ${epochs} epochs each, ${jobs} at a time on ${backend.backend} (${backend.device}${matmulNote(backend)}); report: ${reportDir}`,
  );
  await mkdir(join(reportDir, 'runs'));

  const tty = process.stderr.isTTY === true && !opts.json && !opts.quiet;
  const progress = runProgress(output, runs, epochs, tty);
  const started = performance.now();
  const pool = await runPool(
    runs,
    jobs,
    (run) => [
      '--preset',
      run.preset,
      '--seed',
      String(run.seed),
      '--epochs',
      String(epochs),
      '--out',
      join(reportDir, 'runs', runLabel(run)),
      ...passThrough(opts),
    ],
    progress.epoch,
    stopping,
  );
  progress.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  await finishComparison(opts, output, {
    reportDir,
    presets,
    epochs,
    jobs,
    runs,
    pool,
    backend,
    tty,
    wallSeconds,
  });
  lock.release();
  if (stopping.aborted) {
    output.log(
      `stopped; each interrupted run kept its checkpoint under ${join(reportDir, 'runs')} (continue one with npx mnist-lab train --resume DIR)`,
    );
    process.exitCode = 130;
    return;
  }
  if (pool.failures.length > 0) {
    for (const f of pool.failures) output.log(`failed: ${f}`);
    process.exitCode = 1;
  }
}

interface Comparison {
  readonly reportDir: string;
  readonly presets: readonly LessonPreset[];
  readonly epochs: number;
  readonly jobs: number;
  readonly runs: readonly CompareRun[];
  readonly pool: PoolResult;
  readonly backend: BackendReport;
  readonly tty: boolean;
  readonly wallSeconds: number;
}

/** The comparison's table in the terminal, its report on disk and its closing JSON line. */
async function finishComparison(
  opts: CompareOptions,
  output: Output,
  c: Comparison,
): Promise<void> {
  const { reportDir, presets, epochs, jobs, runs, pool, backend, tty, wallSeconds } = c;
  const { failures } = pool;
  const summary = summarize(presets, epochs, pool.events);
  const settings: CompareSettings = {
    presets,
    seeds: opts.seeds,
    epochs,
    trainSize: opts.trainSize ?? 'all',
    testSize: opts.testSize ?? 'all',
    dataset: opts.dataset ?? 'mnist',
    jobs,
  };
  output.line(
    `Test accuracy (%) per epoch${opts.seeds > 1 ? `, mean ± std over ${opts.seeds} seeds` : ''}:`,
  );
  output.line(accuracyTable(settings, summary, tty));
  await writeReport(reportDir, settings, runs, pool, summary, backend, wallSeconds);
  output.line(
    `\n${runs.length} runs in ${wallSeconds.toFixed(0)} s; report in ${reportDir} (report.md, results.json, accuracy.svg/png, loss.svg/png)`,
  );
  output.event({ event: 'compare', report: reportDir, wallSeconds, summary, failures });
}

/** The flags each run takes from `compare`'s own. */
function passThrough(opts: CompareOptions): string[] {
  const args: string[] = [];
  for (const [flag, value] of [
    ['--backend', opts.backend],
    ['--blas', opts.blas],
    ['--dataset', opts.dataset],
    ['--data', opts.data],
    ['--train-size', opts.trainSize],
    ['--test-size', opts.testSize],
  ] as const) {
    if (value !== undefined) args.push(flag, String(value));
  }
  return args;
}

/**
 * Shows each run's progress: a bar per run on a terminal, a line per epoch otherwise; and every
 * epoch event on stdout with `--json`.
 */
function runProgress(output: Output, runs: readonly CompareRun[], epochs: number, tty: boolean) {
  const bars = tty
    ? new cliProgress.MultiBar(
        {
          format: '{name} {bar} epoch {value}/{total} | test accuracy {acc}',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const barOf = new Map(
    runs.map((r) => [r, bars?.create(epochs, 0, { name: runLabel(r).padEnd(14), acc: '-' })]),
  );
  return {
    epoch(run: CompareRun, e: EpochEventLine) {
      const accuracy = `${formatPercent(e.testAccuracy)}%`;
      output.event({ ...e, event: 'epoch' });
      barOf.get(run)?.update(e.epoch, { acc: accuracy });
      if (!tty)
        output.log(`${runLabel(run)}: epoch ${e.epoch}/${epochs}, test accuracy ${accuracy}`);
    },
    stop() {
      bars?.stop();
    },
  };
}
