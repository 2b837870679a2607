import { initBackend } from '@mnist-lab/backends';
import { Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointData, encodeOptimizer, fit, type TrainEvent, TrainerError } from './index';
import { arraySource, MemoryStore } from './test-utils';

const tiny = () => new Mlp({ inputSize: 4, hidden: [4], numClasses: 2, dropout: 0, seed: 5 });
const batches = (n: number) => ({
  ...arraySource(() =>
    Array.from({ length: n }, (_, i) => ({ x: [[i % 7, 1, 0, -1]], y: [i % 2] })),
  ),
  batchesPerEpoch: n,
});

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('fit stops within one step of an abort', () => {
  it('sees an abort from a timer: the event loop runs between steps', async () => {
    const model = tiny();
    const controller = new AbortController();
    const store = new MemoryStore();
    const checkpoints: number[] = [];
    let stepsAtAbort = -1;
    let step = 0;
    setTimeout(() => {
      stepsAtAbort = step;
      controller.abort();
    }, 20);
    const result = await fit(model, batches(100_000), {
      epochs: 1,
      optimizer: { name: 'sgd', lr: 0.01 },
      checkpoint: { store },
      reportEvery: 1,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'batch') step = e.globalStep;
        if (e.type === 'checkpoint') checkpoints.push(e.globalStep);
      },
    });
    expect(result.reason).toBe('aborted');
    // Stopped at most one step after the timer fired, long before the epoch's 100 000 steps.
    expect(stepsAtAbort).toBeGreaterThan(0);
    expect(result.globalStep - stepsAtAbort).toBeLessThanOrEqual(1);
    expect(checkpoints).toEqual([result.globalStep]);
    model.dispose();
  });

  it('emits one checkpoint event when the abort comes at an epoch boundary', async () => {
    const model = tiny();
    const controller = new AbortController();
    const store = new MemoryStore();
    const events: string[] = [];
    const result = await fit(model, batches(5), {
      epochs: 3,
      optimizer: { name: 'sgd', lr: 0.01 },
      checkpoint: { store },
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e.type === 'checkpoint' ? `checkpoint ${e.globalStep}` : e.type);
        if (e.type === 'epoch' && e.epoch === 1) controller.abort();
      },
    });
    expect(result).toMatchObject({ reason: 'aborted', globalStep: 5 });
    expect(events.filter((e) => e.startsWith('checkpoint'))).toEqual(['checkpoint 5']);
    expect(store.saved).toHaveLength(1);
    model.dispose();
  });
});

describe('fit resumed with the signal already aborted', () => {
  it('stops where the checkpoint stands and saves nothing new', async () => {
    const first = tiny();
    const store = new MemoryStore();
    const controller = new AbortController();
    await fit(first, batches(10), {
      epochs: 2,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
      checkpoint: { store, everySteps: 4 },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'checkpoint' && e.globalStep === 4) controller.abort();
      },
    });
    const saved = store.saved.at(-1) as CheckpointData;
    expect(saved.position).toMatchObject({ epoch: 0, batch: 4, globalStep: 4 });
    const again = tiny();
    const before = store.saved.length;
    const result = await fit(again, batches(10), {
      epochs: 2,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
      checkpoint: { store },
      resume: saved,
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ reason: 'aborted', globalStep: 4 });
    expect(store.saved).toHaveLength(before);
    first.dispose();
    again.dispose();
  });
});

describe('fit around the cadence limits', () => {
  // The NaN guard reads the unchecked losses in one go at the latest every 1000 steps; a report or
  // checkpoint that falls on that step must still read its loss.
  it.each([
    [1000, undefined],
    [1000, 1000],
    [999, 1000],
    [1, 1000],
    [500, 999],
  ])(
    'runs 2001 steps with reportEvery %i and checkpoints every %s steps',
    async (reportEvery, everySteps) => {
      const model = tiny();
      const store = new MemoryStore();
      const before = tf.memory().numTensors;
      const events: TrainEvent[] = [];
      const result = await fit(model, batches(2001), {
        epochs: 1,
        optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
        reportEvery,
        checkpoint: { store, ...(everySteps === undefined ? {} : { everySteps }) },
        onEvent: (e) => {
          events.push(e);
        },
      });
      expect(result.globalStep).toBe(2001);
      const reports = events.filter((e) => e.type === 'batch');
      expect(reports.every((e) => Number.isFinite(e.loss))).toBe(true);
      expect(reports.at(-1)?.globalStep).toBe(2001);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );
});

describe('fit refuses what would train nothing', () => {
  it('throws empty-data for a source with no batches, before touching the model', async () => {
    const model = tiny();
    const source = { epoch: () => [], batchesPerEpoch: 0 };
    const error = await fit(model, source, {
      epochs: 1,
      optimizer: { name: 'sgd', lr: 0.1 },
    }).catch((e: unknown) => e);
    expect(TrainerError.isInstance(error) && error.code).toBe('empty-data');
    expect((error as Error).message).toBe(
      'fit: the training data has no batches; expected at least one example',
    );
    model.dispose();
  });

  it('throws empty-data when an epoch yields nothing, and leaks no tensor', async () => {
    const model = tiny();
    const before = tf.memory().numTensors;
    const error = await fit(
      model,
      arraySource(() => []),
      {
        epochs: 2,
        optimizer: { name: 'sgd', lr: 0.1 },
      },
    ).catch((e: unknown) => e);
    expect(TrainerError.isInstance(error) && error.code).toBe('empty-data');
    expect((error as Error).message).toMatch(/epoch 1 yielded no training batches/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('fit leaks nothing when it fails', () => {
  it('disposes its sums, its unchecked losses and its optimizer when an event handler throws', async () => {
    const model = tiny();
    const before = tf.memory().numTensors;
    const error = await fit(model, batches(50), {
      epochs: 2,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
      reportEvery: 7,
      onEvent: (e) => {
        if (e.type === 'batch' && e.globalStep === 21) throw new Error('the UI went away');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('the UI went away');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('checkpoints leak nothing', () => {
  it("encodeOptimizer disposes tfjs's step-count scalar", async () => {
    const optimizer = tf.train.momentum(0.1, 0.5);
    const w = tf.variable(tf.ones([3]));
    optimizer.minimize(() => tf.sum(tf.square(w)), false, [w]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await encodeOptimizer(optimizer);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    w.dispose();
  });
});
