import { initBackend } from '@mnist-lab/backends';
import { Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, perClassMetrics } from './index';
import { arraySource } from './test-utils';

describe('evaluate', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu' });
  });

  it('computes loss, the lesson test loss, accuracy and the confusion matrix in closed form', async () => {
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
  });

  it('gives per-class F1 as the harmonic mean, and 0 where undefined', () => {
    const [a, b] = perClassMetrics([
      [3, 1],
      [0, 0],
    ]);
    expect(a?.f1).toBeCloseTo((2 * 1 * 0.75) / 1.75, 12);
    expect(b).toEqual({ label: 1, precision: 0, recall: 0, f1: 0, support: 0 });
  });
});
