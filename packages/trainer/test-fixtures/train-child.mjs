// A training run in its own process, for the determinism and kill-and-resume tests: trains the
// lesson's MLP on the first N MNIST examples with file checkpoints, prints one JSON line per
// checkpoint, and writes the final weights to <out>/final.safetensors.
// Usage: node train-child.mjs '{"backend":"wasm","out":"/tmp/x","hidden":[512,256],"trainSize":960,"epochs":2,"checkpointEvery":7,"resume":false}'
// (optional: "blas": "off" for pure wasm; "optimizer": {...} instead of SGD with momentum 0.5)
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { BatchLoader, takeFirst } from '@mnist-lab/data';
import { loadMnist } from '@mnist-lab/data/node';
import { Mlp } from '@mnist-lab/layers';
import { LESSON_PRESETS } from '@mnist-lab/lesson';
import { encodeStateDict, fit } from '@mnist-lab/trainer';
import { FileCheckpointStore, writeHistory } from '@mnist-lab/trainer/node';

const args = JSON.parse(process.argv[2] ?? '{}');
await initBackend({
  prefer: args.backend,
  ...(args.blas === undefined ? {} : { blas: args.blas }),
});
const mnist = await loadMnist();
const train = new BatchLoader(takeFirst(mnist.train, args.trainSize), { batchSize: 32, seed: 7 });
const test = new BatchLoader(takeFirst(mnist.test, 256), { batchSize: 32, shuffle: false });
const model = new Mlp({ ...LESSON_PRESETS.bn, hidden: args.hidden, seed: 7 });
const store = new FileCheckpointStore(join(args.out, 'checkpoints'), { keepLast: 2 });
const resume = args.resume ? await store.loadLatest() : undefined;
if (args.resume && resume === undefined) throw new Error('nothing to resume from');
const result = await fit(model, train, {
  epochs: args.epochs,
  optimizer: args.optimizer ?? { name: 'sgd', lr: 0.01, momentum: 0.5 },
  validation: test,
  checkpoint: { store, everySteps: args.checkpointEvery },
  ...(resume === undefined ? {} : { resume }),
  onEvent: (e) => {
    if (e.type === 'checkpoint')
      process.stdout.write(`${JSON.stringify({ event: 'checkpoint', step: e.globalStep })}\n`);
  },
});
await writeFile(join(args.out, 'final.safetensors'), await encodeStateDict(model));
await writeHistory(join(args.out, 'history.jsonl'), result.history);
process.stdout.write(`${JSON.stringify({ event: 'done', step: result.globalStep })}\n`);
