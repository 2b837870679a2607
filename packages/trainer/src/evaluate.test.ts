import { initBackend } from '@mnist-lab/backends';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BatchSource, evaluate, perClassMetrics } from './index';
import { arraySource, TEST_BACKENDS } from './test-utils';

describe('evaluate', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu' });
  });

  it.each([
    ['one pass for both batches', {}],
    ['a pass per batch', { examplesPerPass: 1 }],
    ['a custom loss, batch by batch', { loss: (s: tf.Tensor, l: tf.Tensor) => crossEntropy(s, l) }],
  ])(
    'computes loss, the lesson test loss, accuracy and the confusion matrix in closed form (%s)',
    async (_, options) => {
      // A linear model whose logits are its inputs: softmax cross-entropy is known exactly.
      const model = new Mlp({
        inputSize: 2,
        hidden: [],
        numClasses: 2,
        dropout: 0,
        output: 'logits',
      });
      const state = {
        'fc1.weight': tf.tensor2d([
          [1, 0],
          [0, 1],
        ]),
        'fc1.bias': tf.tensor1d([0, 0]),
      };
      model.loadStateDict(state);
      tf.dispose(Object.values(state));
      const batches = [
        {
          x: [
            [2, 0],
            [0, 1],
          ],
          y: [0, 0],
        },
        { x: [[0, 3]], y: [1] },
      ];
      const ce = (logits: number[], label: number) =>
        -(logits[label] as number) + Math.log(logits.reduce((a, z) => a + Math.exp(z), 0));
      const perExample = batches.flatMap((b) => b.x.map((row, i) => ce(row, b.y[i] as number)));
      const [e0 = 0, e1 = 0, e2 = 0] = perExample;
      const batchMeans = [(e0 + e1) / 2, e2];
      const result = await evaluate(
        model,
        arraySource(() => batches),
        options,
      );
      expect(result.total).toBe(3);
      expect(result.loss).toBeCloseTo(perExample.reduce((a, b) => a + b) / 3, 6);
      expect(result.lessonTestLoss).toBeCloseTo(batchMeans.reduce((a, b) => a + b) / 3, 6);
      expect(result.correct).toBe(2);
      expect(result.accuracy).toBeCloseTo(2 / 3, 12);
      expect(result.confusion).toEqual([
        [1, 1],
        [0, 1],
      ]);
      expect(result.perClass[0]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
      expect(result.perClass[1]).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
      model.dispose();
    },
  );

  it('gives per-class F1 as the harmonic mean, and 0 where undefined', () => {
    const [a, b] = perClassMetrics([
      [3, 1],
      [0, 0],
    ]);
    expect(a?.f1).toBeCloseTo((2 * 1 * 0.75) / 1.75, 12);
    expect(b).toEqual({ label: 1, precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('refuses a pass size that is not a positive integer, naming it', async () => {
    const model = new Mlp({ inputSize: 2, hidden: [], numClasses: 2, dropout: 0 });
    await expect(
      evaluate(
        model,
        arraySource(() => []),
        { examplesPerPass: 0 },
      ),
    ).rejects.toThrow('evaluate: examplesPerPass must be a positive integer, got 0');
    model.dispose();
  });
});

/** 1000 seeded examples of 64 inputs in batches of 32 (the last of 8), labels in 0..9. */
function seededSource(): BatchSource {
  return {
    *epoch() {
      for (let start = 0; start < 1000; start += 32) {
        const size = Math.min(32, 1000 - start);
        yield {
          x: tf.randomNormal([size, 64], 0, 1, 'float32', 7 + start),
          y: tf.tensor1d(
            Array.from({ length: size }, (_, r) => ((start + r) * 7) % 10),
            'int32',
          ),
        };
      }
    },
  };
}

// Joining batches into one pass changes the matrix products' shapes (32 rows, then up to 1024), so
// values may move by float32 rounding; the counts must not, and each figure stays per example or
// per source batch (a pass that averaged over itself would make the lesson's loss ~30× smaller).
describe.each(TEST_BACKENDS)('evaluate in passes of many batches [$label]', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('matches batch-by-batch evaluation: the same counts, losses within 1e-6', async () => {
    const model = new Mlp({
      inputSize: 64,
      hidden: [48, 32],
      batchNorm: true,
      dropout: 0.2,
      seed: 5,
    });
    const joined = await evaluate(model, seededSource());
    const alone = await evaluate(model, seededSource(), { examplesPerPass: 1 });
    const custom = await evaluate(model, seededSource(), {
      loss: (s, l) => crossEntropy(s, l),
      examplesPerPass: 300,
    });
    expect(alone.total).toBe(1000);
    for (const r of [joined, custom]) {
      expect(r.total).toBe(1000);
      expect(r.correct).toBe(alone.correct);
      expect(r.confusion).toEqual(alone.confusion);
      expect(Math.abs(r.loss - alone.loss) / alone.loss).toBeLessThan(1e-6);
      expect(Math.abs(r.lessonTestLoss - alone.lessonTestLoss) / alone.lessonTestLoss).toBeLessThan(
        1e-6,
      );
    }
    // 31 batches of 32 and one of 8: the lesson's loss weighs the last batch's mean as much as any.
    expect(alone.lessonTestLoss).toBeGreaterThan(alone.loss / 33);
    expect(alone.lessonTestLoss).toBeLessThan(alone.loss / 30);
    model.dispose();
  });

  it('stops between batches when aborted, covering the batches seen and freeing the rest', async () => {
    const model = new Mlp({ inputSize: 64, hidden: [48, 32], seed: 5 });
    const controller = new AbortController();
    const source: BatchSource = {
      *epoch() {
        let n = 0;
        for (const b of seededSource().epoch(0)) {
          if (++n === 4) controller.abort();
          yield b;
        }
      },
    };
    const before = tf.memory().numTensors;
    const result = await evaluate(model, source, { signal: controller.signal });
    expect(result.total).toBe(3 * 32);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
