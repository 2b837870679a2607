// Batches per second of the MNIST training set at batch 32 (shuffled), on the backend given as
// the first argument (default wasm): what one training step pays for its input.
// Run: npm run bench -w @mnist-lab/data [-- cpu|wasm]
import { initBackend } from '@mnist-lab/backends';
import * as tf from '@tensorflow/tfjs-core';
import { BatchLoader } from '../dist/index.js';
import { loadMnist } from '../dist/node.js';

const backend = process.argv[2] ?? 'wasm';
const report = await initBackend({ prefer: backend });
const t0 = performance.now();
const { train } = await loadMnist();
const loadMs = performance.now() - t0;
const t1 = performance.now();
const loader = new BatchLoader(train, { batchSize: 32, seed: 1 });
const loaderMs = performance.now() - t1;

let batches = 0;
const start = performance.now();
for (const { x, y } of loader.epoch(0)) {
  await x.data(); // make sure the upload really happened
  tf.dispose([x, y]);
  batches++;
}
const seconds = (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    bench: 'batches',
    backend: report.backend,
    device: report.device,
    loadMnistMs: Math.round(loadMs),
    loaderMs: Math.round(loaderMs),
    batches,
    batchesPerSecond: Math.round(batches / seconds),
    msPerBatch: Number(((seconds * 1000) / batches).toFixed(4)),
  }),
);
