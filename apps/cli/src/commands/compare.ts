import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type BackendReport, type BlasMode, initBackend } from '@mnist-lab/backends';
import {
  type ComparedNetwork,
  LESSON_PRESET_NAMES,
  LESSON_RECIPE,
  type LessonPreset,
  lessonReadings,
} from '@mnist-lab/lesson';
import type { Command } from 'commander';
import { type CompareRun, type PoolResult, runLabel, runPool } from '../compare/child-runs';
import {
  balancedJobs,
  comparedNetworks,
  plannedRuns,
  probeCadence,
  runArgs,
  runEnvironment,
} from '../compare/plan';
import { runProgress, stopChildrenOnInterrupt, wrap } from '../compare/progress';
import { accuracyTable, type CompareSettings, writeReport } from '../compare/report';
import { summarize } from '../compare/summary';
import { nameList, nodeBackend, positiveInt } from '../options';
import { matmulNote, Output } from '../output';
import { parseRunConfig } from '../run-config';
import { claimRunFolder } from '../run-folder';
import { addDataOptions } from '../run-options';
import { logAutoChoice, networkTrial } from '../training';

interface CompareOptions {
  presets?: LessonPreset[];
  seeds: number;
  controls: boolean;
  probeEvery?: number;
  trainEval?: number;
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
  fused?: 'auto' | 'off';
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
      'runs in parallel (default on a single-threaded backend: one per core, or one more where that ends sooner, e.g. 3 for 5 runs on 2 cores)',
      positiveInt,
    )
    .option('--quick', "a short version: one epoch of each network (the lesson's first row)")
    .option(
      '--out <dir>',
      'report folder (default mnist-lab-report, mnist-lab-report-quick with --quick, or the next free <…>-2, <…>-3)',
    )
    .option('--force', 'with --out: replace what another report left in that folder')
    .option(
      '--no-controls',
      "run only the networks asked for, not the controls the lesson's claims need (ReLU without dropout)",
    )
    .option(
      '--probe-every <n>',
      'probe each run every N steps (default: about 40 probes per run, at most every 100 steps)',
      positiveInt,
    )
    .option(
      '--train-eval <n>',
      'training examples each run measures in eval mode after every epoch (default 10000)',
      positiveInt,
    );
  addDataOptions(cmd)
    .option('--json', 'one JSON object per line on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option(
      '--verbose',
      'also say how the matrix products were chosen (OpenBLAS: each kernel timed on this CPU)',
    )
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
    prefer: nodeBackend(opts.backend),
    blas: opts.blas ?? 'auto',
    trial: () => networkTrial(parseRunConfig({ preset: 'relu' }, 'the lesson preset relu')),
  });
  logAutoChoice(backend, output);
  // Chosen by timing: every run uses that backend rather than timing again.
  const pinned = backend.measured === undefined ? opts : { ...opts, backend: backend.backend };
  const singleThreaded = backend.deviceKind === 'cpu' && backend.threads === 1;
  const plan = { ...opts, presets, epochs };
  const networks = comparedNetworks(presets, opts.controls);
  const runs = plannedRuns(networks, opts.seeds);
  const jobs =
    opts.jobs ?? (singleThreaded ? balancedJobs(runs.length, availableParallelism()) : 1);
  output.log(
    `${runs.length} runs (${networks.join(', ')} × ${opts.seeds} seed${opts.seeds > 1 ? 's' : ''}), ${epochs} epoch${epochs > 1 ? 's' : ''} each, probed every ${probeCadence(plan)} steps, ${jobs} at a time on ${backend.backend} (${backend.device}${matmulNote(backend, '; ', output.verbose)}); report: ${reportDir}`,
  );
  await mkdir(join(reportDir, 'runs'));

  const tty = process.stderr.isTTY === true && !opts.json && !opts.quiet;
  const progress = runProgress(output, runs, epochs, tty);
  const started = performance.now();
  const pool = await runPool(
    runs,
    jobs,
    (run) => [
      ...runArgs(run, plan, join(reportDir, 'runs', runLabel(run))),
      ...passThrough(pinned),
    ],
    progress,
    stopping,
    runEnvironment(jobs, availableParallelism()),
  );
  progress.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  await finishComparison(opts, output, {
    reportDir,
    networks,
    epochs,
    jobs,
    runs,
    pool,
    backend,
    tty,
    wallSeconds,
    probeEvery: probeCadence(plan),
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
  readonly networks: readonly ComparedNetwork[];
  readonly epochs: number;
  readonly jobs: number;
  readonly runs: readonly CompareRun[];
  readonly pool: PoolResult;
  readonly backend: BackendReport;
  readonly tty: boolean;
  readonly wallSeconds: number;
  readonly probeEvery: number;
}

/** The comparison's table in the terminal, its report on disk and its closing JSON line. */
async function finishComparison(
  opts: CompareOptions,
  output: Output,
  c: Comparison,
): Promise<void> {
  const { reportDir, networks, epochs, jobs, runs, pool, backend, tty, wallSeconds } = c;
  const { failures } = pool;
  const summary = summarize(networks, epochs, pool.records);
  const settings: CompareSettings = {
    presets: networks,
    seeds: opts.seeds,
    epochs,
    trainSize: opts.trainSize ?? 'all',
    testSize: opts.testSize ?? 'all',
    dataset: opts.dataset ?? 'mnist',
    jobs,
    probeEvery: c.probeEvery,
  };
  const readingSettings = { epochs, seeds: opts.seeds, trainSize: settings.trainSize };
  const readings = {
    en: lessonReadings(pool.records, readingSettings, 'en'),
    ko: lessonReadings(pool.records, readingSettings, 'ko'),
  };
  output.line(
    `Test accuracy (%) per epoch${opts.seeds > 1 ? `, mean ± std over ${opts.seeds} seeds` : ''}, over the lesson's printed run:`,
  );
  output.line(accuracyTable(settings, summary, tty));
  if (readings.en.length > 0) {
    output.line('\nWhat this run shows:');
    for (const r of readings.en) output.line(wrap(`- ${r.text}`, 100, '  '));
  }
  const charts = await writeReport(
    reportDir,
    settings,
    runs,
    pool,
    summary,
    readings,
    backend,
    wallSeconds,
  );
  output.line(
    `\n${runs.length} runs in ${wallSeconds.toFixed(0)} s; report in ${reportDir} (report.md, results.json, ${charts.join(', ')} as SVG and PNG)`,
  );
  output.event({
    event: 'compare',
    report: reportDir,
    wallSeconds,
    summary,
    readings: readings.en,
    failures,
  });
}

/** The flags each run takes from `compare`'s own. */
function passThrough(opts: CompareOptions): string[] {
  const args: string[] = [];
  for (const [flag, value] of [
    ['--backend', opts.backend],
    ['--blas', opts.blas],
    ['--fused', opts.fused],
    ['--dataset', opts.dataset],
    ['--data', opts.data],
    ['--train-size', opts.trainSize],
    ['--test-size', opts.testSize],
  ] as const) {
    if (value !== undefined) args.push(flag, String(value));
  }
  return args;
}
