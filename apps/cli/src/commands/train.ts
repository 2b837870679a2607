import { join } from 'node:path';
import { LESSON_PRESETS } from '@mnist-lab/layers';
import type { CheckpointData } from '@mnist-lab/trainer';
import { FileCheckpointStore } from '@mnist-lab/trainer/node';
import { type Command, Option } from 'commander';
import { ACTIVATION_CHOICES, INIT_CHOICES } from '../choices';
import { UsageError } from '../errors';
import { finite, integer, intList, positiveInt } from '../options';
import { Output } from '../output';
import {
  BACKEND_CHOICES,
  BLAS_CHOICES,
  parseRunConfig,
  type RunConfig,
  readConfigFile,
} from '../run-config';
import { runTraining } from '../training';

/** Options common to `train`, `compare`, `evaluate` and `bench` that shape data and backend. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dataset <name>', 'dataset').choices(['mnist', 'fashion-mnist']))
    .option('--data <dir>', 'a directory with the four IDX files (gzipped or not)')
    .option('--train-size <n>', 'use the first N training examples', positiveInt)
    .option('--test-size <n>', 'use the first N test examples', positiveInt)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_CHOICES))
    .addOption(
      new Option(
        '--blas <mode>',
        "where wasm's matrix products run: auto (OpenBLAS when installed, else XNNPACK), off (pure wasm, as in a browser), require (OpenBLAS or fail)",
      ).choices(BLAS_CHOICES),
    );
}

/** The network and training flags of `train` (and `bench`). */
export function addModelOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--preset <name>', "one of the lesson's four networks").choices(
        Object.keys(LESSON_PRESETS),
      ),
    )
    .addOption(new Option('--activation <name>', 'hidden activation').choices(ACTIVATION_CHOICES))
    .option('--dropout <p>', 'dropout probability in [0, 1)', finite)
    .option('--batch-norm', 'BatchNorm1d after each hidden Linear')
    .option('--no-batch-norm', 'no batch normalization')
    .addOption(new Option('--init <name>', 'Linear weight initializer').choices(INIT_CHOICES))
    .option('--hidden <sizes>', 'hidden layer widths, e.g. 512,256', intList)
    .option('--batch-size <n>', 'examples per batch (default 32)', positiveInt)
    .option('--seed <n>', 'seed for initialization, dropout and shuffling (default 1)', integer);
}

const FLAG_KEYS = [
  'preset',
  'activation',
  'dropout',
  'batchNorm',
  'init',
  'hidden',
  'epochs',
  'batchSize',
  'lr',
  'momentum',
  'optimizer',
  'seed',
  'backend',
  'blas',
  'dataset',
  'data',
  'trainSize',
  'testSize',
  'out',
  'checkpointEvery',
] as const;

/** The run config from `--config FILE` (if any) with every flag given on the command line over it. */
export async function resolveRunConfig(
  cmd: Command,
  base: Record<string, unknown> = {},
): Promise<RunConfig> {
  const opts = cmd.opts<Record<string, unknown>>();
  const fromFile = typeof opts.config === 'string' ? await readConfigFile(opts.config) : {};
  const flags: Record<string, unknown> = {};
  for (const key of FLAG_KEYS) {
    const source = cmd.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') flags[key] = opts[key];
  }
  return parseRunConfig(
    { ...base, ...fromFile, ...flags },
    typeof opts.config === 'string' ? `config ${opts.config}` : 'flags',
  );
}

/** Stops training cleanly on the first Ctrl-C (between steps, checkpoint kept); exits on the second. */
export function interruptSignal(output: Output): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    output.log('\nstopping after this step (Ctrl-C again to quit at once)...');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description('train one network: a lesson preset, or any mix of the flags below')
    .option('--config <file>', 'run settings from a JSON or YAML file; flags override it');
  addModelOptions(cmd);
  cmd
    .option('--epochs <n>', 'epochs (default 10)', positiveInt)
    .option('--lr <rate>', 'learning rate (default 0.01)', finite)
    .option('--momentum <m>', 'SGD momentum (default 0.5)', finite)
    .addOption(
      new Option('--optimizer <name>', 'optimizer (default sgd)').choices([
        'sgd',
        'adam',
        'rmsprop',
      ]),
    );
  addDataOptions(cmd)
    .option(
      '--out <dir>',
      'where to save the model and checkpoints (default mnist-lab-runs/<preset>-seed<seed>)',
    )
    .option('--resume <dir>', 'continue the run saved in <dir> from its latest checkpoint')
    .option(
      '--checkpoint-every <n>',
      'also checkpoint every N steps (always at each epoch end)',
      positiveInt,
    )
    .option('--json', 'one JSON object per line on stdout, logs on stderr')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.opts<{ json?: boolean; quiet?: boolean; resume?: string }>();
      const output = new Output(opts);
      let config: RunConfig;
      let resume: CheckpointData | undefined;
      if (opts.resume !== undefined) {
        const latest = await new FileCheckpointStore(join(opts.resume, 'checkpoints')).loadLatest();
        if (latest === undefined)
          throw new UsageError(
            `--resume ${opts.resume}: no checkpoint in ${join(opts.resume, 'checkpoints')}`,
          );
        config = await resolveRunConfig(command, {
          ...(latest.position.run as Record<string, unknown>),
          out: opts.resume,
        });
        resume = latest;
        output.log(
          `resuming ${opts.resume} at epoch ${latest.position.epoch + 1}, step ${latest.position.globalStep}`,
        );
      } else {
        config = await resolveRunConfig(command);
      }
      const outcome = await runTraining(config, output, interruptSignal(output), resume);
      if (outcome.reason === 'aborted') {
        output.log(
          `stopped; the last checkpoint is in ${join(outcome.out, 'checkpoints')}. Continue with: mnist-lab train --resume ${outcome.out}`,
        );
        process.exitCode = 130;
        return;
      }
      output.log(output.c.green(`saved ${outcome.modelPath}`));
    });
}
