import { ArgumentError, MnistLabError } from '@mnist-lab/errors';
import { MlpConfigError } from '@mnist-lab/layers';
import { Command, CommanderError } from 'commander';
import { registerBackendsCommand } from './commands/backends';
import { registerBenchCommand } from './commands/bench';
import { registerCompareCommand } from './commands/compare';
import { registerDataCommand } from './commands/data';
import { registerEvaluateCommand } from './commands/evaluate';
import { registerExportCommand } from './commands/export';
import { registerPredictCommand } from './commands/predict';
import { registerSweepCommand } from './commands/sweep';
import { registerTrainCommand } from './commands/train';
import { registerWorkerCommand } from './commands/worker';
import { UsageError } from './errors';
import { MNIST_LAB_VERSION } from './version';

/** Exit codes: 0 success, 1 a run that failed, 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Builds the `mnist-lab` program with every command. */
export function buildProgram(): Command {
  const program = new Command('mnist-lab')
    .description(
      'Train and study MLPs on MNIST with TensorFlow.js: reproduce the PyTorch lesson, then go past it.',
    )
    .version(MNIST_LAB_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTrainCommand(program);
  registerCompareCommand(program);
  registerSweepCommand(program);
  registerWorkerCommand(program);
  registerEvaluateCommand(program);
  registerPredictCommand(program);
  registerExportCommand(program);
  registerDataCommand(program);
  registerBackendsCommand(program);
  registerBenchCommand(program);
  for (const cmd of program.commands)
    cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  for (const cmd of program.commands.flatMap((c) => c.commands))
    cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the program on `argv` and returns the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every other parse error is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mnist-lab: ${message}\n`);
    if (
      error instanceof UsageError ||
      MlpConfigError.isInstance(error) ||
      ArgumentError.isInstance(error)
    )
      return EXIT.usage;
    // Every error a package throws on purpose says what is wrong; anything else is a bug.
    if (!MnistLabError.isInstance(error)) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return EXIT.failed;
  }
}
