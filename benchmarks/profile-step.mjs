// Where a training step of the lesson's ReLU + dropout network spends its time, per kernel, on one
// backend (default wasm): every kernel of that backend is wrapped with a timer.
// Run: node benchmarks/profile-step.mjs [wasm|cpu] [--no-fixes] [--blas off] [--preset relu|bn|...]
import { initBackend } from '@mnist-lab/backends';
import { BatchLoader } from '@mnist-lab/data';
import { loadMnist } from '@mnist-lab/data/node';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import { LESSON_PRESETS, LESSON_RECIPE } from '@mnist-lab/lesson';
import { createOptimizer } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { usageOnHelp } from './shared.mjs';

usageOnHelp(import.meta.url);

const backend = process.argv[2] ?? 'wasm';
const blasFlag = process.argv.indexOf('--blas');
const report = await initBackend({
  prefer: backend,
  speedFixes: !process.argv.includes('--no-fixes'),
  blas: blasFlag >= 0 ? process.argv[blasFlag + 1] : 'auto',
});
const totals = new Map();
for (const config of tf.getKernelsForBackend(backend)) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, backend);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const t0 = performance.now();
      const out = inner(args);
      const attrs = args.attrs ?? {};
      const key =
        config.kernelName + (attrs.transposeA ? ' tA' : '') + (attrs.transposeB ? ' tB' : '');
      const entry = totals.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - t0;
      entry.calls++;
      totals.set(key, entry);
      return out;
    },
  });
}
const { train } = await loadMnist();
const presetFlag = process.argv.indexOf('--preset');
const preset = presetFlag >= 0 ? process.argv[presetFlag + 1] : 'relu';
const model = new Mlp({ ...LESSON_PRESETS[preset], seed: 1 });
const optimizer = createOptimizer({
  name: LESSON_RECIPE.optimizer,
  lr: LESSON_RECIPE.lr,
  momentum: LESSON_RECIPE.momentum,
});
const loader = new BatchLoader(train, { batchSize: LESSON_RECIPE.batchSize, seed: 1 });
const steps = 200;
let n = 0;
let start = 0;
for (const { x, y } of loader.epoch(0)) {
  if (n === 20) {
    totals.clear();
    start = performance.now();
  }
  const loss = optimizer.minimize(
    () => crossEntropy(model.forward(x, { training: true }), y),
    true,
    model.parameters(),
  );
  tf.dispose([x, y, loss]);
  if (++n === 20 + steps) break;
}
const wall = (performance.now() - start) / steps;
let kernelMs = 0;
const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [, v] of rows) kernelMs += v.ms;
console.log(
  `${backend}${report.matmul ? ` (matrix products: ${report.matmul})` : ''}: ${wall.toFixed(3)} ms per step, ${(kernelMs / steps).toFixed(3)} ms in kernels`,
);
for (const [name, v] of rows.slice(0, 25)) {
  console.log(
    `${name.padEnd(24)} ${(v.ms / steps).toFixed(3).padStart(8)} ms/step ${String(v.calls / steps).padStart(5)} calls/step`,
  );
}
