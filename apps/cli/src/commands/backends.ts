import { probeBackends } from '@mnist-lab/backends';
import type { Command } from 'commander';

/** `mnist-lab backends`: every backend, available or why not. */
export function registerBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description('list the tfjs backends on this machine: available or why not')
    .option('--json', 'print one JSON object per line on stdout')
    .action(async (options: { json?: boolean }) => {
      const probes = await probeBackends();
      for (const probe of probes) {
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ event: 'backend', ...probe })}\n`);
        } else {
          const state = probe.available ? 'available' : `unavailable: ${probe.reason}`;
          process.stdout.write(`${probe.backend.padEnd(10)} ${state}\n`);
        }
      }
    });
}
