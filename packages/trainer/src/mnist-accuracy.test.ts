import { readFileSync } from 'node:fs';
import { initBackend } from '@mnist-lab/backends';
import { BatchLoader } from '@mnist-lab/data';
import { loadMnist } from '@mnist-lab/data/node';
import { Mlp } from '@mnist-lab/layers';
import { LESSON_PRESETS } from '@mnist-lab/lesson';
import { describe, expect, it } from 'vitest';
import { evaluate, fit } from './index';

interface TorchReference {
  command: string;
  accuracies: number[];
  mean: number;
  std: number;
}
// PyTorch's own test accuracy (%) after one epoch of the lesson's ReLU network on full MNIST,
// over ten seeds (benchmarks/pytorch/lesson.py; see the file for the command).
const torch = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/torch-reference/relu-1-epoch.json', import.meta.url),
    'utf8',
  ),
) as TorchReference;

// Our tolerance: within half a point of PyTorch's mean, about 2.5 times PyTorch's own seed-to-seed spread.
const TOLERANCE_POINTS = 0.5;

describe("one epoch of the lesson's ReLU network on real MNIST [wasm]", () => {
  it(`reaches PyTorch's test accuracy within ${TOLERANCE_POINTS} points`, async () => {
    await initBackend({ prefer: 'wasm' });
    const mnist = await loadMnist();
    const train = new BatchLoader(mnist.train, { batchSize: 32, seed: 1 });
    const test = new BatchLoader(mnist.test, { batchSize: 32, shuffle: false });
    const model = new Mlp({ ...LESSON_PRESETS.relu, seed: 1 });
    const { history } = await fit(model, train, {
      epochs: 1,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
      validation: test,
    });
    const accuracy = (history[0]?.validation?.accuracy ?? 0) * 100;
    expect(Math.abs(accuracy - torch.mean)).toBeLessThanOrEqual(TOLERANCE_POINTS);
    // The lesson's printed test loss is the sum of batch means over the dataset size.
    const result = await evaluate(model, test);
    expect(result.total).toBe(10000);
    // (Nearly every batch holds 32 examples, so it is about the mean loss / 32.)
    expect(Math.abs(result.lessonTestLoss - result.loss / 32) / (result.loss / 32)).toBeLessThan(
      0.05,
    );
    expect(result.accuracy * 100).toBeCloseTo(accuracy, 10);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10000);
    expect(result.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([
      980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]);
    model.dispose();
  }, 180_000);
});
