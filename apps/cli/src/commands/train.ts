import { join } from 'node:path';
import { parseMlpConfig } from '@mnist-lab/layers';
import { modelFromSpec } from '@mnist-lab/lesson';
import type { CheckpointData } from '@mnist-lab/trainer';
import { FileCheckpointStore } from '@mnist-lab/trainer/node';
import { type Command, Option } from 'commander';
import { UsageError } from '../errors';
import { finite, positiveInt } from '../options';
import { Output } from '../output';
import { parseRunConfig, type RunConfig } from '../run-config';
import { claimResumeFolder, claimRunFolder, type FolderLock, ownCheckpoints } from '../run-folder';
import {
  addDataOptions,
  addModelOptions,
  givenSettings,
  interruptSignal,
  resolveRunConfig,
} from '../run-options';
import { outDir, runTraining, trainRunName } from '../training';

/** What a resumed run may change: how far it goes and where it runs, never what it computes. */
const RESUMABLE = new Set([
  'epochs',
  'backend',
  'blas',
  'fused',
  'checkpointEvery',
  'probeEvery',
  'trainEval',
]);

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The run saved in `dir`, with the changes a resume may make, or a usage error naming the rest. */
async function resumeConfig(
  command: Command,
  dir: string,
  latest: CheckpointData,
  checkpoints: string,
): Promise<RunConfig> {
  const stored = parseRunConfig(
    latest.position.run,
    `run settings in ${checkpoints}'s newest checkpoint`,
  );
  const given = await givenSettings(command);
  // What the run has for each setting: the network's as its preset makes it (a relu run has
  // hidden [512, 256] though its spec names no hidden), the rest as stored.
  const network = parseMlpConfig(modelFromSpec(stored)) as unknown as Record<string, unknown>;
  const has = (key: string) => (key in network ? network[key] : stored[key as keyof RunConfig]);
  const refused = Object.entries(given)
    .filter(([key]) => !RESUMABLE.has(key) && key !== 'out')
    .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(has(key)))
    .map(
      ([key, value]) =>
        `${flagName(key)} ${JSON.stringify(value)} (the run has ${JSON.stringify(has(key)) ?? 'none'})`,
    );
  if (refused.length > 0) {
    throw new UsageError(
      `--resume ${dir}: ${refused.join(', ')}: a resumed run keeps the settings it started with; it may change only ${[...RESUMABLE].map(flagName).join(', ')}. Start a new run to change the rest.`,
    );
  }
  const config = parseRunConfig({ ...stored, ...given, out: dir }, 'flags');
  const { epoch, batch } = latest.position;
  const reached = epoch + (batch > 0 ? 1 : 0);
  if (config.epochs < reached) {
    throw new UsageError(
      `--resume ${dir}: --epochs ${config.epochs} is below the ${reached} epoch${reached === 1 ? '' : 's'} the run has already begun; give --epochs ${reached} or more`,
    );
  }
  return config;
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
      'a folder of its own for the model and checkpoints (default mnist-lab-runs/<preset>-seed<seed>, or the next free <…>-2, <…>-3)',
    )
    .option('--force', 'with --out: replace what another run left in that folder')
    .option(
      '--resume <dir>',
      'continue the run saved in <dir> from its newest intact checkpoint (--epochs, --backend, --blas, --fused, --checkpoint-every, --probe-every and --train-eval may change)',
    )
    .option(
      '--checkpoint-every <n>',
      'also checkpoint every N steps (always at each epoch end)',
      positiveInt,
    )
    .option(
      '--probe-every <n>',
      'look inside the network every N steps: layer distributions, dead or saturated units, gradient norms, update ratios (probe events, and history.jsonl)',
      positiveInt,
    )
    .option(
      '--train-eval <n>',
      'after each epoch, also measure accuracy on the first N training examples in eval mode (to see overfitting)',
      positiveInt,
    )
    .option('--json', 'one JSON object per line on stdout, logs on stderr')
    .option('-q, --quiet', 'print nothing but errors')
    .option(
      '--verbose',
      'also say how the matrix products were chosen (OpenBLAS: each kernel timed on this CPU)',
    )
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.opts<TrainFlags>();
      const output = new Output(opts);
      const claimed = await claimTrainingRun(command, opts, output);
      if (claimed === undefined) return;
      const { config, resume, lock } = claimed;
      try {
        const outcome = await runTraining(config, output, interruptSignal(output), resume);
        if (outcome.reason === 'aborted') {
          output.log(
            `stopped; the last checkpoint is in ${join(outcome.out, 'checkpoints')}. Continue with: npx mnist-lab train --resume ${outcome.out}`,
          );
          process.exitCode = 130;
          return;
        }
        output.log(output.c.green(`saved ${outcome.modelPath}`));
      } finally {
        lock.release();
      }
    });
}

interface TrainFlags {
  json?: boolean;
  quiet?: boolean;
  resume?: string;
  force?: boolean;
}

/**
 * The run to train and its folder, claimed: a resumed run's saved settings and newest intact
 * checkpoint, or a new run's settings and folder. Undefined when a resumed run has nothing left to do.
 */
async function claimTrainingRun(
  command: Command,
  opts: TrainFlags,
  output: Output,
): Promise<{ config: RunConfig; resume?: CheckpointData; lock: FolderLock } | undefined> {
  let config: RunConfig;
  let resume: CheckpointData | undefined;
  let lock: FolderLock;
  if (opts.resume !== undefined) {
    if (command.getOptionValueSource('out') === 'cli' || opts.force)
      throw new UsageError('--resume continues a run in its own folder: drop --out and --force');
    lock = await claimResumeFolder(opts.resume);
    const checkpoints = await ownCheckpoints(lock.dir, '--resume');
    const latest = await new FileCheckpointStore(checkpoints, {
      onWarning: (m) => output.log(`warning: ${m}`),
    }).loadLatest();
    if (latest === undefined)
      throw new UsageError(`--resume ${opts.resume}: no intact checkpoint in ${checkpoints}`);
    config = await resumeConfig(command, lock.dir, latest, checkpoints);
    const { epoch, batch, globalStep } = latest.position;
    if (epoch >= config.epochs && batch === 0) {
      output.log(
        `${lock.dir}: the run has already done its ${config.epochs} epochs; nothing to do (give --epochs N to train it further)`,
      );
      lock.release();
      return undefined;
    }
    resume = latest;
    output.log(`resuming ${lock.dir} at epoch ${epoch + 1}, step ${globalStep}`);
  } else {
    const asked = await resolveRunConfig(command);
    lock = await claimRunFolder({
      dir: outDir(asked),
      flag: '--out',
      explicit: asked.out !== undefined,
      force: opts.force === true,
      kind: 'train',
      name: trainRunName(asked),
      log: (m) => output.log(m),
    });
    config = { ...asked, out: lock.dir };
  }
  return { config, resume, lock };
}
