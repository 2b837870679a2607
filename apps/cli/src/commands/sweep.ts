import { OPTIMIZER_CHOICES, SweepSpecError } from '@mnist-lab/lesson';
import { type Command, Option } from 'commander';
import { UsageError } from '../errors';
import { finite, nonNegative, positiveInt } from '../options';
import { Output } from '../output';
import { addDataOptions, addModelOptions } from '../run-options';
import { type SweepFlags, sweepAction } from '../sweep/action';

const collect = (value: string, previous: string[] = []) => [...previous, value];

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
      nonNegative,
      24,
    )
    .option(
      '--queue [url]',
      'put the runs on a queue for mnist-lab worker: redis://[:password@]host:port/db, or rediss:// (alone: MNIST_LAB_QUEUE)',
    )
    .option('--status <dir>', "the sweep's runs done, running (on which worker), waiting, failed")
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
