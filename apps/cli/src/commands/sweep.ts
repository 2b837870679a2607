import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  expandSweep,
  OPTIMIZER_CHOICES,
  parseAxis,
  type SweepRun,
  type SweepSpec,
  SweepSpecError,
  type SweepSpecInput,
  sweepSpecSchema,
} from '@mnist-lab/lesson';
import { type Command, Option } from 'commander';
import { balancedJobs } from '../compare/plan';
import { stopChildrenOnInterrupt } from '../compare/progress';
import { UsageError } from '../errors';
import { finite, positiveInt } from '../options';
import { Output } from '../output';
import { readConfigFile } from '../run-config';
import { claimResumeFolder, claimRunFolder } from '../run-folder';
import { addDataOptions, addModelOptions, givenSettings } from '../run-options';
import { durationText, estimateSweep, type SweepEstimate } from '../sweep/estimate';
import { readSweepFile, type SweepFile, writeSweepFile } from '../sweep/folder';
import { writeSweepReport } from '../sweep/report';
import { describe, runSweep } from '../sweep/run';

interface SweepFlags {
  vary?: string[];
  spec?: string;
  seeds?: number;
  mode?: 'grid' | 'random';
  samples?: number;
  sampleSeed?: number;
  dryRun?: boolean;
  out?: string;
  force?: boolean;
  resume?: string;
  jobs?: number;
  maxHours: number;
  json?: boolean;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The sweep the flags (or `--spec FILE`) describe, checked: its spec and every run. */
async function sweepOf(
  command: Command,
  opts: SweepFlags,
): Promise<{ spec: SweepSpec; runs: SweepRun[] }> {
  let input: SweepSpecInput;
  if (opts.spec !== undefined) {
    if (opts.vary !== undefined)
      throw new UsageError('sweep: give --vary flags or --spec FILE, not both');
    input = (await readConfigFile(opts.spec, '--spec', 'a sweep spec')) as SweepSpecInput;
  } else {
    if (opts.vary === undefined)
      throw new UsageError('sweep: give at least one --vary FIELD=VALUES (or --spec FILE)');
    const { out: _out, seed: _seed, ...base } = await givenSettings(command);
    input = {
      base,
      axes: opts.vary.map(parseAxis),
      ...(opts.seeds === undefined ? {} : { seeds: opts.seeds }),
      ...(opts.mode === undefined ? {} : { mode: opts.mode }),
      ...(opts.samples === undefined ? {} : { samples: opts.samples }),
      ...(opts.sampleSeed === undefined ? {} : { sampleSeed: opts.sampleSeed }),
    };
  }
  const runs = expandSweep(input);
  return { spec: sweepSpecSchema.parse(input), runs };
}

/** The plan, for `--dry-run` and the log: runs, axes, the first few runs, the estimate. */
function plan(
  output: Output,
  spec: SweepSpec,
  runs: readonly SweepRun[],
  jobs: number,
  estimate: SweepEstimate,
): void {
  output.event({
    event: 'sweep-plan',
    runs: runs.length,
    jobs,
    estimate,
    spec,
    ids: runs.map((r) => r.id),
  });
  output.line(
    `${runs.length} runs: ${spec.axes.map((a) => `${a.field} (${a.values.length})`).join(' × ')}${spec.mode === 'random' ? `, ${runs.length / spec.seeds} points drawn` : ''} × ${spec.seeds} seed${spec.seeds > 1 ? 's' : ''}`,
  );
  for (const r of runs.slice(0, 8)) output.line(`  ${r.id}  ${describe(r)}`);
  if (runs.length > 8) output.line(`  … and ${runs.length - 8} more`);
  output.line(
    `estimate: about ${durationText(estimate.wallSeconds)} with ${jobs} at a time (a step of the first network took ${estimate.msPerStep.toFixed(2)} ms just now on ${estimate.backend}, ${estimate.device})`,
  );
}

/** The sweep's runs at a time, and its estimate, checked against `--max-hours`. */
async function estimated(runs: readonly SweepRun[], opts: SweepFlags) {
  const jobs = opts.jobs ?? balancedJobs(runs.length, availableParallelism());
  const estimate = await estimateSweep(runs, jobs, availableParallelism());
  if (estimate.wallSeconds > opts.maxHours * 3600)
    throw new UsageError(
      `the sweep would take about ${durationText(estimate.wallSeconds)} on this machine (${runs.length} runs, ${jobs} at a time); at most --max-hours ${opts.maxHours}: fewer values, seeds, epochs or examples, or a larger --max-hours`,
    );
  return { jobs, estimate };
}

export function registerSweepCommand(program: Command): void {
  const cmd = program
    .command('sweep')
    .description(
      'train a grid (or random sample) of settings around a base run, seeds each, in parallel: results.jsonl, report.md and charts in a sweep folder',
    )
    .option(
      '--vary <axis>',
      'FIELD=VALUES, repeatable: lr=0.001,0.01,0.1, lr=log:0.0001..1:7, momentum=linear:0..0.9:4, hidden=512x256,256x128',
      collect,
    )
    .option(
      '--spec <file>',
      'the sweep as a YAML or JSON file ({ base, axes, seeds, mode, samples })',
    )
    .option('--seeds <n>', 'seeds per point: 1..N (default 1)', positiveInt)
    .addOption(
      new Option('--mode <mode>', 'grid (every combination) or random').choices(['grid', 'random']),
    )
    .option('--samples <n>', 'with --mode random: how many points to draw', positiveInt)
    .option(
      '--sample-seed <n>',
      'with --mode random: the seed of the draw (default 1)',
      positiveInt,
    )
    .option('--epochs <n>', 'base: epochs per run (default 10)', positiveInt)
    .option('--lr <rate>', 'base: learning rate (default 0.01)', finite)
    .option('--momentum <m>', 'base: SGD momentum (default 0.5)', finite)
    .addOption(new Option('--optimizer <name>', 'base: optimizer').choices(OPTIMIZER_CHOICES));
  addModelOptions(cmd, { training: false });
  addDataOptions(cmd)
    .option('--dry-run', 'print the plan and stop')
    .option(
      '--out <dir>',
      'the sweep folder (default mnist-lab-sweeps/<axes>, or the next free <…>-2)',
    )
    .option('--force', 'with --out: replace what another sweep left there')
    .option(
      '--resume <dir>',
      'go on with the sweep in <dir>: finished runs kept, stopped ones resumed, the rest run',
    )
    .option('--jobs <n>', 'runs at a time (default: by the cores)', positiveInt)
    .option(
      '--max-hours <h>',
      'refuse a sweep estimated to take longer on this machine (default 24)',
      finite,
      24,
    )
    .option('--json', 'one JSON object per line on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.opts<SweepFlags>();
      const output = new Output(opts);
      try {
        await sweepAction(command, opts, output);
      } catch (error) {
        if (SweepSpecError.isInstance(error)) throw new UsageError(error.message);
        throw error;
      }
    });
}

async function sweepAction(command: Command, opts: SweepFlags, output: Output): Promise<void> {
  let file: SweepFile;
  let lock: Awaited<ReturnType<typeof claimRunFolder>>;
  if (opts.resume !== undefined) {
    if (opts.vary !== undefined || opts.spec !== undefined)
      throw new UsageError(
        '--resume DIR goes on with the sweep DIR holds: give no --vary or --spec with it',
      );
    lock = await claimResumeFolder(opts.resume, 'a folder made by mnist-lab sweep');
    try {
      file = await readSweepFile(lock.dir, opts.resume);
    } catch (error) {
      lock.release();
      throw error;
    }
    output.log(`resuming the sweep in ${lock.dir}`);
  } else {
    const { spec, runs } = await sweepOf(command, opts);
    const { jobs, estimate } = await estimated(runs, opts);
    if (opts.dryRun === true) return plan(output, spec, runs, jobs, estimate);
    const name = spec.axes.map((a) => a.field).join('-');
    lock = await claimRunFolder({
      dir: opts.out ?? join('mnist-lab-sweeps', name),
      flag: '--out',
      explicit: opts.out !== undefined,
      force: opts.force === true,
      kind: 'sweep',
      name,
      log: (m) => output.log(m),
    });
    file = { format: 'mnist-lab-sweep', version: 1, name: basename(lock.dir), spec, runs };
    await writeSweepFile(lock.dir, file);
    plan(output, spec, runs, jobs, estimate);
  }
  try {
    const stop = stopChildrenOnInterrupt(output);
    const outcome = await runSweep(resolve(lock.dir), file.runs, {
      ...(opts.jobs === undefined ? {} : { jobs: opts.jobs }),
      output,
      stop,
    });
    const results = file.runs.flatMap((r) => outcome.results.get(r.id) ?? []);
    const report = await writeSweepReport(lock.dir, file.name, file.spec, results);
    output.event({
      event: 'sweep',
      dir: lock.dir,
      runs: file.runs.length,
      finished: results.length,
      readings: report.readings,
    });
    for (const r of report.readings.en) output.line(`- ${r}`);
    if (outcome.stopped) {
      output.log(
        `stopped: ${results.length} of ${file.runs.length} runs finished. Continue with: npx mnist-lab sweep --resume ${lock.dir}`,
      );
      process.exitCode = 130;
      return;
    }
    output.line(
      `${results.length} runs; report in ${lock.dir} (report.md, results.jsonl, ${report.charts.join(', ')})`,
    );
    if (outcome.failures.length > 0) process.exitCode = 1;
  } finally {
    lock.release();
  }
}
