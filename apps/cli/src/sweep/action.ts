import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  expandSweep,
  parseAxis,
  type SweepRun,
  type SweepSpec,
  type SweepSpecInput,
  sweepSpecSchema,
} from '@mnist-lab/lesson';
import type { Command } from 'commander';
import { balancedJobs } from '../compare/plan';
import { stopChildrenOnInterrupt } from '../compare/progress';
import { UsageError } from '../errors';
import type { Output } from '../output';
import { checkRedis, parseQueueUrl, type QueueAddress, queueUrlOf } from '../queue/connection';
import { runQueuedSweep } from '../queue/coordinator';
import { readConfigFile } from '../run-config';
import { claimResumeFolder, claimRunFolder } from '../run-folder';
import { givenSettings } from '../run-options';
import { durationText, estimateSweep, type SweepEstimate } from './estimate';
import { readSweepFile, type SweepFile, writeSweepFile } from './folder';
import { writeSweepReport } from './report';
import { describe, runSweep, type SweepOutcome } from './run';
import { sweepStatus } from './status';

export interface SweepFlags {
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
  queue?: string | boolean;
  status?: string;
  json?: boolean;
  quiet?: boolean;
}

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
async function estimated(runs: readonly SweepRun[], opts: SweepFlags, queued: boolean) {
  const jobs = opts.jobs ?? balancedJobs(runs.length, availableParallelism());
  const estimate = await estimateSweep(runs, jobs, availableParallelism());
  // On a queue the time is the workers': the estimate is this machine's, for scale.
  if (!queued && estimate.wallSeconds > opts.maxHours * 3600)
    throw new UsageError(
      `the sweep would take about ${durationText(estimate.wallSeconds)} on this machine (${runs.length} runs, ${jobs} at a time); at most --max-hours ${opts.maxHours}: fewer values, seeds, epochs or examples, or a larger --max-hours`,
    );
  return { jobs, estimate };
}

/**
 * The queue a sweep's runs go to: `--queue URL`, `--queue` alone (MNIST_LAB_QUEUE), or none; for a
 * sweep that has one (resumed, or its status), MNIST_LAB_QUEUE when set (it holds the password
 * `sweep.json` leaves out), else the queue `sweep.json` names.
 */
function queueOf(given: string | boolean | undefined, file?: SweepFile): QueueAddress | undefined {
  if (given !== undefined && given !== false) return parseQueueUrl(queueUrlOf(given));
  if (file?.queue === undefined) return undefined;
  const env = process.env.MNIST_LAB_QUEUE;
  return parseQueueUrl(env === undefined || env === '' ? file.queue : env);
}

/** A new sweep: planned, estimated, its folder claimed and `sweep.json` written; none for --dry-run. */
async function started(command: Command, opts: SweepFlags, output: Output) {
  const { spec, runs } = await sweepOf(command, opts);
  const address = queueOf(opts.queue);
  if (address !== undefined && runs.some((r) => r.spec.data !== undefined))
    throw new UsageError(
      '--queue with --data: a worker cannot read a folder of this machine; queue runs of --dataset mnist or fashion-mnist',
    );
  const { jobs, estimate } = await estimated(runs, opts, address !== undefined);
  if (opts.dryRun === true) return plan(output, spec, runs, jobs, estimate);
  if (address !== undefined) await checkRedis(address);
  const name = spec.axes.map((a) => a.field).join('-');
  const lock = await claimRunFolder({
    dir: opts.out ?? join('mnist-lab-sweeps', name),
    flag: '--out',
    explicit: opts.out !== undefined,
    force: opts.force === true,
    kind: 'sweep',
    name,
    log: (m) => output.log(m),
  });
  const file: SweepFile = {
    format: 'mnist-lab-sweep',
    version: 1,
    name: basename(lock.dir),
    spec,
    runs,
    ...(address === undefined ? {} : { queue: address.shown }),
  };
  await writeSweepFile(lock.dir, file);
  plan(output, spec, runs, jobs, estimate);
  return { lock, file, address };
}

/** A sweep resumed: its folder locked, `sweep.json` read and checked, its queue reached. */
async function resumed(opts: SweepFlags & { resume: string }, output: Output) {
  if (opts.vary !== undefined || opts.spec !== undefined)
    throw new UsageError(
      '--resume DIR goes on with the sweep DIR holds: give no --vary or --spec with it',
    );
  const lock = await claimResumeFolder(opts.resume, 'a folder made by mnist-lab sweep');
  try {
    let file = await readSweepFile(lock.dir, opts.resume);
    const address = queueOf(opts.queue, file);
    if (address !== undefined) {
      await checkRedis(address);
      if (file.queue !== address.shown) {
        file = { ...file, queue: address.shown };
        await writeSweepFile(lock.dir, file);
      }
    }
    output.log(
      `resuming the sweep in ${lock.dir}${address === undefined ? '' : ` on ${address.shown}`}`,
    );
    return { lock, file, address };
  } catch (error) {
    lock.release();
    throw error;
  }
}

export async function sweepAction(
  command: Command,
  opts: SweepFlags,
  output: Output,
): Promise<void> {
  if (opts.status !== undefined) {
    const file = await readSweepFile(opts.status, opts.status, '--status');
    await sweepStatus(opts.status, queueOf(opts.queue, file), output);
    return;
  }
  const claimed =
    opts.resume !== undefined
      ? await resumed({ ...opts, resume: opts.resume }, output)
      : await started(command, opts, output);
  if (claimed === undefined) return;
  const { lock, file, address } = claimed;
  try {
    const stop = stopChildrenOnInterrupt(output);
    const dir = resolve(lock.dir);
    const outcome =
      address === undefined
        ? await runSweep(dir, file.runs, {
            ...(opts.jobs === undefined ? {} : { jobs: opts.jobs }),
            output,
            stop,
          })
        : await runQueuedSweep(dir, file.runs, { address, output, stop });
    await reportSweep(lock.dir, file, outcome, output);
  } finally {
    lock.release();
  }
}

/** The report of what a sweep finished, and what to do about what it did not. */
async function reportSweep(dir: string, file: SweepFile, outcome: SweepOutcome, output: Output) {
  const results = file.runs.flatMap((r) => outcome.results.get(r.id) ?? []);
  const report = await writeSweepReport(dir, file.name, file.spec, results);
  output.event({
    event: 'sweep',
    dir,
    runs: file.runs.length,
    finished: results.length,
    readings: report.readings,
  });
  for (const r of report.readings.en) output.line(`- ${r}`);
  if (outcome.stopped) {
    output.log(
      `stopped: ${results.length} of ${file.runs.length} runs finished${file.queue === undefined ? '' : ' (the rest stay on the queue: the workers go on with them)'}. Continue with: npx mnist-lab sweep --resume ${dir}`,
    );
    process.exitCode = 130;
    return;
  }
  output.line(
    `${results.length} runs; report in ${dir} (report.md, results.jsonl, ${report.charts.join(', ')})`,
  );
  if (outcome.failures.length > 0) process.exitCode = 1;
}
