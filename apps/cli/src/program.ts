import { Command, CommanderError } from 'commander';
import { registerBackendsCommand } from './commands/backends';

/** Exit codes: 0 success, 1 a run that failed, 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Builds the `mnist-lab` program; commands register themselves on it. */
export function buildProgram(): Command {
  const program = new Command('mnist-lab')
    .description(
      'Train and study MLPs on MNIST with TensorFlow.js: reproduce the PyTorch lesson, then go past it.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerBackendsCommand(program);
  return program;
}

/** Runs the program on `argv` and returns the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every other parse error is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`mnist-lab: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
