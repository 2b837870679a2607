// What a training probe costs on the lesson's ReLU network (784-512-256-10, batch 32, real MNIST
// batches): blocks of plain steps and of probed steps, interleaved, on each backend given (default:
// wasm with its products on OpenBLAS, and pure wasm); a probe's extra time over a plain step, and
// what that is at compare's cadences. Writes the "Probes" section of BENCHMARKS.md with --write.
// Run: node benchmarks/probe-cost.mjs [--rounds N] [--write]
import { initBackend } from '@mnist-lab/backends';
import { BatchLoader } from '@mnist-lab/data';
import { loadMnist } from '@mnist-lab/data/node';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import { LESSON_PRESETS, LESSON_RECIPE } from '@mnist-lab/lesson';
import { createOptimizer, probedStep } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { machineLine, usageOnHelp, writeSection } from './shared.mjs';

usageOnHelp(import.meta.url);
const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 8;
const BLOCK = 20;
const { train } = await loadMnist();

async function measure(label, backend, blas) {
  const report = await initBackend({ prefer: backend, blas });
  const model = new Mlp({ ...LESSON_PRESETS.relu, seed: 1 });
  const optimizer = createOptimizer({
    name: 'sgd',
    lr: LESSON_RECIPE.lr,
    momentum: LESSON_RECIPE.momentum,
  });
  const batches = new BatchLoader(train, { batchSize: LESSON_RECIPE.batchSize, seed: 1 }).epoch(0);
  const params = model.parameters();
  const plain = async () => {
    let last;
    for (let i = 0; i < BLOCK; i++) {
      const { x, y } = batches.next().value;
      last?.dispose();
      last = optimizer.minimize(
        () => crossEntropy(model.forward(x, { training: true }), y),
        true,
        params,
      );
      tf.dispose([x, y]);
    }
    await last.data();
    last.dispose();
  };
  const probed = async () => {
    for (let i = 0; i < BLOCK; i++) {
      const { x, y } = batches.next().value;
      const r = await probedStep(model, optimizer, crossEntropy, x, y, { epoch: 1, step: i });
      tf.dispose([r.loss, r.correct]);
    }
  };
  await plain();
  await probed();
  let plainMs = 0;
  let probedMs = 0;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    await plain();
    plainMs += performance.now() - t;
    t = performance.now();
    await probed();
    probedMs += performance.now() - t;
  }
  optimizer.dispose();
  model.dispose();
  const step = plainMs / (rounds * BLOCK);
  const probe = probedMs / (rounds * BLOCK) - step;
  return {
    label,
    backend: report.backend,
    matmul: report.matmul,
    msPerStep: step,
    msPerProbe: probe,
  };
}

const rows = [
  await measure('wasm + OpenBLAS', 'wasm', 'require').catch(() => undefined),
  await measure('wasm (pure)', 'wasm', 'off'),
].filter((r) => r !== undefined);
for (const r of rows) console.log(JSON.stringify({ bench: 'probe-cost', ...r }));
const lines = [
  '',
  `Machine: ${machineLine()}. Generated ${new Date().toISOString().slice(0, 10)} by \`node benchmarks/probe-cost.mjs --write\` (${rounds} rounds of ${BLOCK} plain and ${BLOCK} probed steps, interleaved).`,
  '',
  "A probe (`fit`'s `probes: { every }`, `train --probe-every`) keeps each layer's values from the forward pass, measures the gradients before the update and the weights before and after it, and reads every statistic in one device read. Its extra time over a plain step, and what that costs at a cadence:",
  '',
  '| backend | ms per step | extra ms per probe | probe = steps | overhead every 100 steps | every 200 |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.msPerStep.toFixed(2)} | ${r.msPerProbe.toFixed(2)} | ${(r.msPerProbe / r.msPerStep).toFixed(1)} | ${((100 * r.msPerProbe) / (100 * r.msPerStep)).toFixed(1)} % | ${((100 * r.msPerProbe) / (200 * r.msPerStep)).toFixed(1)} % |`,
  ),
  '',
  '`compare` probes about 40 times per run and never more often than every 100 steps (every 470 steps over the full 10 epochs).',
];
if (args.includes('--write')) console.log(`wrote ${writeSection('## Probes', lines)}`);
else console.log(lines.join('\n'));
