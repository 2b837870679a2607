// Training steps per second of the lesson's ReLU + dropout network (784-512-256-10, batch 32,
// SGD lr 0.01 momentum 0.5) on real MNIST batches, on each backend given (default: every
// available one), without the speed fixes of @mnist-lab/backends and with them (on wasm: with
// the products on XNNPACK, `blas: 'off'`, and on OpenBLAS, `blas: 'require'`). The optimizer is
// @mnist-lab/trainer's SGD, which uses the fused update where the backend has it.
// Run: npm run bench (all benchmarks) or node benchmarks/train-step.mjs [wasm cpu ...] [--steps N]
import { initBackend, probeBackends } from '@mnist-lab/backends';
import { BatchLoader } from '@mnist-lab/data';
import { loadMnist } from '@mnist-lab/data/node';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import { LESSON_PRESETS, LESSON_RECIPE } from '@mnist-lab/lesson';
import { createOptimizer } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { usageOnHelp } from './shared.mjs';

usageOnHelp(import.meta.url);

const args = process.argv.slice(2);
const stepsFlag = args.indexOf('--steps');
const steps = stepsFlag >= 0 ? Number(args[stepsFlag + 1]) : 300;
let backends = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--steps');
if (backends.length === 0) {
  backends = (await probeBackends()).filter((p) => p.available).map((p) => p.backend);
}

const { train } = await loadMnist();
const warmup = 20;

async function measure(backend, speedFixes, blas = 'auto') {
  const report = await initBackend({ prefer: backend, speedFixes, blas });
  const model = new Mlp({ ...LESSON_PRESETS.relu, seed: 1 });
  const optimizer = createOptimizer({
    name: LESSON_RECIPE.optimizer,
    lr: LESSON_RECIPE.lr,
    momentum: LESSON_RECIPE.momentum,
  });
  const loader = new BatchLoader(train, { batchSize: LESSON_RECIPE.batchSize, seed: 1 });
  const batches = loader.epoch(0);
  const step = () => {
    const { value } = batches.next();
    const loss = optimizer.minimize(
      () => crossEntropy(model.forward(value.x, { training: true }), value.y),
      true,
      model.parameters(),
    );
    tf.dispose([value.x, value.y]);
    return loss;
  };
  for (let i = 0; i < warmup; i++) {
    const loss = step();
    await loss.data();
    loss.dispose();
  }
  const start = performance.now();
  let last;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  await last.data();
  last.dispose();
  const ms = (performance.now() - start) / steps;
  optimizer.dispose();
  model.dispose();
  return {
    backend: report.backend,
    device: report.device,
    speedFixes,
    ...(report.matmul ? { matmul: report.matmul } : {}),
    steps,
    msPerStep: Number(ms.toFixed(3)),
    stepsPerSecond: Number((1000 / ms).toFixed(1)),
  };
}

for (const backend of backends) {
  const before = await measure(backend, false);
  console.log(JSON.stringify({ bench: 'train-step', ...before }));
  for (const blas of backend === 'wasm' ? ['off', 'require'] : ['auto']) {
    const after = await measure(backend, true, blas);
    console.log(
      JSON.stringify({
        bench: 'train-step',
        ...after,
        speedup: Number((before.msPerStep / after.msPerStep).toFixed(2)),
      }),
    );
  }
}
