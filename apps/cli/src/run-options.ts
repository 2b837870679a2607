import { resolve } from 'node:path';
import {
  BACKEND_CHOICES,
  BLAS_CHOICES,
  DATASET_CHOICES,
  FUSED_CHOICES,
  LESSON_PRESET_NAMES,
} from '@mnist-lab/lesson';
import { type Command, Option } from 'commander';
import { ACTIVATION_CHOICES, INIT_CHOICES } from './choices';
import { finite, integer, intList, positiveInt } from './options';
import type { Output } from './output';
import { parseRunConfig, type RunConfig, readConfigFile } from './run-config';

/**
 * The data and backend flags of `train`, `compare`, `evaluate` and `bench`. `evaluate` reads only
 * the test split: it has no `--train-size`.
 */
export function addDataOptions(cmd: Command, { training = true } = {}): Command {
  cmd
    .addOption(new Option('--dataset <name>', 'dataset (default mnist)').choices(DATASET_CHOICES))
    .option('--data <dir>', 'a directory with the four IDX files (gzipped or not)');
  if (training) {
    cmd
      .option('--train-size <n>', 'use the first N training examples', positiveInt)
      .addOption(
        new Option(
          '--fused <mode>',
          'auto: each training step in one fused kernel where the backend has one (wasm: ReLU and sigmoid networks, batch norm or not); off: tfjs ops and gradients (the same to float32 rounding)',
        ).choices(FUSED_CHOICES),
      );
  }
  return cmd
    .option('--test-size <n>', 'use the first N test examples', positiveInt)
    .addOption(
      new Option('--backend <name>', 'tfjs backend (default auto)').choices(BACKEND_CHOICES),
    )
    .addOption(
      new Option(
        '--blas <mode>',
        "where wasm's matrix products run: auto (OpenBLAS when installed, else XNNPACK), off (pure wasm, as in a browser), require (OpenBLAS or fail)",
      ).choices(BLAS_CHOICES),
    );
}

/**
 * The network flags of `train`, `bench` and `evaluate --weights`. `evaluate` neither initializes
 * nor shuffles: it has no `--seed`.
 */
export function addModelOptions(cmd: Command, { training = true } = {}): Command {
  cmd
    .addOption(
      new Option('--preset <name>', "one of the lesson's four networks").choices(
        LESSON_PRESET_NAMES,
      ),
    )
    .addOption(new Option('--activation <name>', 'hidden activation').choices(ACTIVATION_CHOICES))
    .option('--dropout <p>', 'dropout probability in [0, 1)', finite)
    .option('--batch-norm', 'BatchNorm1d after each hidden Linear')
    .option('--no-batch-norm', 'no batch normalization')
    .addOption(new Option('--init <name>', 'Linear weight initializer').choices(INIT_CHOICES))
    .option('--hidden <sizes>', 'hidden layer widths, e.g. 512,256', intList)
    .option('--batch-size <n>', 'examples per batch (default 32)', positiveInt);
  if (training)
    cmd.option('--seed <n>', 'seed for initialization, dropout and shuffling (default 1)', integer);
  return cmd;
}

/** Every run setting a command line can give, by its config key. */
export const RUN_KEYS = [
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
  'fused',
  'dataset',
  'data',
  'trainSize',
  'testSize',
  'out',
  'checkpointEvery',
  'probeEvery',
  'trainEval',
] as const;

/**
 * The run settings the user gave: `--config FILE` (if any) with every flag given on the command
 * line over it. No defaults: what is absent was not asked for.
 */
export async function givenSettings(cmd: Command): Promise<Record<string, unknown>> {
  const opts = cmd.opts<Record<string, unknown>>();
  const fromFile = typeof opts.config === 'string' ? await readConfigFile(opts.config) : {};
  const flags: Record<string, unknown> = {};
  for (const key of RUN_KEYS) {
    const source = cmd.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') flags[key] = opts[key];
  }
  const given = { ...fromFile, ...flags };
  // Stored absolute, so that `--resume` and `evaluate` work from any directory.
  if (typeof given.data === 'string') given.data = resolve(given.data);
  return given;
}

/** The run config from `--config FILE` (if any) and the flags, over `base`, checked. */
export async function resolveRunConfig(
  cmd: Command,
  base: Record<string, unknown> = {},
): Promise<RunConfig> {
  const opts = cmd.opts<Record<string, unknown>>();
  return parseRunConfig(
    { ...base, ...(await givenSettings(cmd)) },
    typeof opts.config === 'string' ? `config ${opts.config}` : 'flags',
  );
}

/**
 * Stops training within one step on the first Ctrl-C (or SIGTERM), keeping a checkpoint; quits at
 * once on the second Ctrl-C.
 */
export function interruptSignal(output: Output): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: string) => {
    output.log(`\n${signal}: stopping after this step (Ctrl-C again to quit at once)...`);
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', () => stop('Ctrl-C'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return controller.signal;
}
