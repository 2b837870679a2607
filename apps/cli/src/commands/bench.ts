import { initBackend } from '@mnist-lab/backends';
import { BatchLoader, takeFirst } from '@mnist-lab/data';
import { Mlp } from '@mnist-lab/layers';
import { modelFromSpec, networkName } from '@mnist-lab/lesson';
import { fit } from '@mnist-lab/trainer';
import type { Command } from 'commander';
import { loadData } from '../data-source';
import { positiveInt } from '../options';
import { matmulNote, Output } from '../output';
import { addDataOptions, addModelOptions, resolveRunConfig } from '../run-options';

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description(
      'training steps per second of a network on a backend (the real fit loop, real MNIST batches)',
    );
  addModelOptions(cmd);
  addDataOptions(cmd)
    .option('--steps <n>', 'timed steps', positiveInt, 300)
    .option('--warmup <n>', 'untimed steps first', positiveInt, 20)
    .option('--json', 'one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option(
      '--verbose',
      'also say how the matrix products were chosen (OpenBLAS: each kernel timed on this CPU)',
    )
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.opts<{
        steps: number;
        warmup: number;
        json?: boolean;
        quiet?: boolean;
      }>();
      const output = new Output(opts);
      const config = await resolveRunConfig(command);
      const report = await initBackend({ prefer: config.backend, blas: config.blas });
      const data = await loadData(config);
      const model = new Mlp(modelFromSpec(config));
      const optimizer = { name: 'sgd', lr: config.lr, momentum: config.momentum } as const;
      const batches = (n: number) =>
        new BatchLoader(takeFirst(data.train, Math.min(n * config.batchSize, data.train.count)), {
          batchSize: config.batchSize,
          seed: config.seed,
          dropLast: true,
        });
      const fusedSteps = config.fused === 'auto';
      await fit(model, batches(opts.warmup), { epochs: 1, optimizer, fusedSteps });
      const timed = batches(opts.steps);
      const start = performance.now();
      await fit(model, timed, { epochs: 1, optimizer, fusedSteps, reportEvery: 1_000_000 });
      const ms = (performance.now() - start) / timed.batchesPerEpoch;
      model.dispose();
      const result = {
        event: 'bench',
        preset: networkName(config),
        backend: report.backend,
        device: report.device,
        deviceKind: report.deviceKind,
        matmul: report.matmul,
        batchSize: config.batchSize,
        steps: timed.batchesPerEpoch,
        msPerStep: ms,
        stepsPerSecond: 1000 / ms,
      };
      output.event(result);
      output.line(
        `${result.preset} on ${report.backend} (${report.device}${matmulNote(report, ', ', output.verbose)}): ${ms.toFixed(2)} ms per step, ${(1000 / ms).toFixed(1)} steps/s (batch ${config.batchSize}, ${result.steps} steps)`,
      );
    });
}
