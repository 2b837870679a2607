import { probeBackends, timeOpenBlasKernels } from '@mnist-lab/backends';
import type { Command } from 'commander';
import { Output } from '../output';

/** `mnist-lab backends`: each step of auto's order, available or why not, and what auto picks. */
export function registerBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description(
      "list the tfjs backends on this machine in auto's order: available (device, software or hardware) or why not",
    )
    .option('--json', 'one JSON object per line on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (opts: { json?: boolean; quiet?: boolean }) => {
      const output = new Output(opts);
      // Where the environment forces OpenBLAS's kernels, time the others too (once per machine,
      // about two seconds; kept) so that the wasm line can say whether the forced ones are slower.
      if (process.env.OPENBLAS_CORETYPE) timeOpenBlasKernels();
      const probes = await probeBackends();
      const picked = probes.find((p) => p.available);
      for (const p of probes) {
        output.event({
          event: 'backend',
          backend: p.backend,
          label: p.label,
          available: p.available,
          ...(p.reason === undefined ? {} : { reason: p.reason }),
          ...(p.report === undefined
            ? {}
            : {
                device: p.report.device,
                deviceKind: p.report.deviceKind,
                threads: p.report.threads,
                ...(p.report.matmul === undefined ? {} : { matmul: p.report.matmul }),
              }),
        });
        const state = p.available
          ? output.c.green(
              `available: ${p.report?.device} (${p.report?.deviceKind}, ${p.report?.threads} thread${p.report?.threads === 1 ? '' : 's'})`,
            )
          : output.c.dim(`unavailable: ${p.reason}`);
        output.line(`${p.label.padEnd(42)} ${state}`);
        if (p.report?.matmul !== undefined) {
          output.line(`${''.padEnd(42)} ${output.c.dim(`matrix products: ${p.report.matmul}`)}`);
        }
        if (p.available && p.backend === 'wasm') {
          output.line(
            `${''.padEnd(42)} ${output.c.dim('training steps: one fused kernel each for ReLU and sigmoid networks, batch norm included (--fused off: tfjs ops)')}`,
          );
        }
      }
      output.event({
        event: 'auto',
        backend: picked?.backend ?? null,
        label: picked?.label ?? null,
      });
      output.line(`auto picks: ${picked === undefined ? 'nothing' : output.c.bold(picked.label)}`);
    });
}
