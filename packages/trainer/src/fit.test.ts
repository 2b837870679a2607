import { initBackend } from '@mnist-lab/backends';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, fit, type TrainEvent, TrainerError } from './index';
import {
  arraySource,
  fixtureModel,
  loadFixture,
  MemoryStore,
  TEST_BACKENDS,
  type TrainCase,
} from './test-utils';

const fx = loadFixture<{ cases: TrainCase[] }>('mlp_train_steps');

for (const { label, ...options } of TEST_BACKENDS) {
  describe(`fit [${label}]`, () => {
    beforeAll(async () => {
      await initBackend(options);
    });

    for (const c of fx.cases) {
      it(`reproduces PyTorch's three training steps (${c.activation}${c.batchnorm ? ' + BN' : ''}) within 1e-5`, async () => {
        const model = fixtureModel(c);
        const store = new MemoryStore();
        // One fixture step per epoch, so the per-epoch checkpoint holds the weights after each step.
        const losses: number[] = [];
        await fit(
          model,
          arraySource((e) => [{ x: c.steps[e]?.x ?? [], y: c.steps[e]?.labels ?? [] }]),
          {
            epochs: 3,
            optimizer: { name: 'sgd', lr: c.lr, momentum: c.momentum },
            checkpoint: { store },
            reportEvery: 1,
            onEvent: (e) => {
              if (e.type === 'batch') losses.push(e.loss);
            },
          },
        );
        expect(store.saved).toHaveLength(3);
        for (const [i, step] of c.steps.entries()) {
          expect([losses[i] as number]).toBeAllclose([step.loss]);
          const { tensors } = decodeSafetensors(store.saved[i]?.model ?? new Uint8Array());
          for (const [j, fc] of step.fc_after.entries()) {
            expect(tensors[`fc${j + 1}.weight`]?.data ?? []).toBeAllclose(fc.weight_out_in.flat());
            expect(tensors[`fc${j + 1}.bias`]?.data ?? []).toBeAllclose(fc.bias);
          }
          for (const [j, bn] of step.bn_after.entries()) {
            expect(tensors[`batch_norm${j + 1}.running_mean`]?.data ?? []).toBeAllclose(
              bn.running_mean,
            );
            expect(tensors[`batch_norm${j + 1}.running_var`]?.data ?? []).toBeAllclose(
              bn.running_var,
            );
            expect(tensors[`batch_norm${j + 1}.weight`]?.data ?? []).toBeAllclose(bn.gamma);
          }
        }
        model.dispose();
      });
    }

    it('keeps the tensor count constant from epoch 1 to epoch 3', async () => {
      const model = new Mlp({
        inputSize: 8,
        hidden: [16, 8],
        numClasses: 3,
        batchNorm: true,
        seed: 1,
      });
      const rows = Array.from({ length: 24 }, (_, i) =>
        Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j)),
      );
      const source = arraySource(() =>
        [0, 1, 2].map((b) => ({
          x: rows.slice(b * 8, b * 8 + 8),
          y: rows.slice(b * 8, b * 8 + 8).map((_, k) => k % 3),
        })),
      );
      const counts: number[] = [];
      await fit(model, source, {
        epochs: 3,
        optimizer: { name: 'sgd', lr: 0.1, momentum: 0.5 },
        validation: source,
        onEvent: (e) => {
          if (e.type === 'epoch') counts.push(tf.memory().numTensors);
        },
      });
      expect(counts).toHaveLength(3);
      expect(counts[2]).toBe(counts[0]);
      model.dispose();
    });

    it('stops on a NaN loss naming the epoch and step, and keeps the last good checkpoint', async () => {
      const model = new Mlp({ inputSize: 4, hidden: [4], numClasses: 2, dropout: 0, seed: 2 });
      const rows = Array.from({ length: 10 }, (_, i) => [i, -i, i / 2, 1]);
      const source = arraySource(() => rows.map((r, i) => ({ x: [r], y: [i % 2] })));
      let calls = 0;
      const store = new MemoryStore();
      const error = await fit(model, source, {
        epochs: 3,
        optimizer: { name: 'sgd', lr: 0.01 },
        // The 13th loss (epoch 2, step 3) is NaN.
        loss: (scores, labels) =>
          tf.tidy(() =>
            ++calls === 13
              ? tf.mul(crossEntropy(scores, labels), Number.NaN)
              : crossEntropy(scores, labels),
          ) as tf.Scalar,
        checkpoint: { store, everySteps: 2 },
        reportEvery: 4,
      }).catch((e: unknown) => e);
      expect(TrainerError.isInstance(error) && error.code).toBe('non-finite-loss');
      expect((error as Error).message).toContain('at epoch 2, step 3 (global step 13)');
      const last = store.saved.at(-1);
      expect(last?.position.globalStep).toBe(12);
      const { tensors } = decodeSafetensors(last?.model ?? new Uint8Array());
      for (const t of Object.values(tensors))
        expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
      model.dispose();
    });

    it('stops cleanly between steps when the signal aborts, saving a checkpoint to resume from', async () => {
      const model = new Mlp({ inputSize: 4, hidden: [4], numClasses: 2, dropout: 0.5, seed: 3 });
      const source = arraySource(() =>
        Array.from({ length: 10 }, (_, i) => ({ x: [[i, 1, 0, -i]], y: [i % 2] })),
      );
      const controller = new AbortController();
      const store = new MemoryStore();
      const events: TrainEvent['type'][] = [];
      const result = await fit(model, source, {
        epochs: 2,
        optimizer: { name: 'sgd', lr: 0.01 },
        checkpoint: { store, everyEpoch: false },
        reportEvery: 1,
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e.type);
          if (e.type === 'batch' && e.globalStep === 4) controller.abort();
        },
      });
      expect(result.reason).toBe('aborted');
      expect(result.globalStep).toBe(4);
      expect(store.saved.at(-1)?.position).toMatchObject({ epoch: 0, batch: 4, globalStep: 4 });
      expect(events.slice(-2)).toEqual(['checkpoint', 'done']);
      model.dispose();
    });
  });
}

describe('fit option validation', () => {
  const model = () => new Mlp({ inputSize: 2, hidden: [], numClasses: 2 });
  const source = arraySource(() => []);
  it.each([
    [
      { epochs: 0, optimizer: { name: 'sgd', lr: 0.1 } },
      'fit: epochs must be a positive integer, got 0',
    ],
    [{ epochs: 1, optimizer: { name: 'sgd', lr: -1 } }, 'invalid optimizer config: optimizer.lr'],
    [
      { epochs: 1, optimizer: { name: 'lbfgs', lr: 1 } },
      'invalid optimizer config: optimizer.name',
    ],
    [{ epochs: 1, optimizer: { name: 'sgd', lr: 0.1, momentum: 1.5 } }, 'optimizer.momentum'],
    [
      { epochs: 1, optimizer: { name: 'sgd', lr: 0.1 }, reportEvery: 0.5 },
      'fit: reportEvery must be a positive integer, got 0.5',
    ],
    [
      { epochs: 1, optimizer: { name: 'sgd', lr: 0.1 }, lrSchedule: { type: 'step', stepSize: 0 } },
      'lrSchedule.stepSize',
    ],
  ])('rejects %j up front, naming the option', async (options, message) => {
    const m = model();
    const error = await fit(m, source, options as never).catch((e: unknown) => e);
    expect(TrainerError.isInstance(error) && error.code).toBe('invalid-option');
    expect((error as Error).message).toContain(message);
    m.dispose();
  });
});

describe('fit with schedules and other optimizers', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu' });
  });
  const rows = Array.from({ length: 16 }, (_, i) => [Math.sin(i), Math.cos(i), i / 16, 1]);
  const source = arraySource(() =>
    [0, 1].map((b) => ({
      x: rows.slice(b * 8, b * 8 + 8),
      y: rows.slice(b * 8, b * 8 + 8).map((_, k) => k % 2),
    })),
  );

  it('applies a step schedule per epoch and records the rate used', async () => {
    const model = new Mlp({ inputSize: 4, hidden: [8], numClasses: 2, dropout: 0, seed: 5 });
    const { history } = await fit(model, source, {
      epochs: 4,
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.5 },
      lrSchedule: { type: 'step', stepSize: 2, gamma: 0.5 },
    });
    expect(history.map((h) => h.lr)).toEqual([0.1, 0.1, 0.05, 0.05]);
    model.dispose();
  });

  it.each([
    { name: 'adam', lr: 0.01 },
    { name: 'rmsprop', lr: 0.01 },
  ] as const)('trains with %j: the loss goes down', async (optimizer) => {
    const model = new Mlp({ inputSize: 4, hidden: [8], numClasses: 2, dropout: 0, seed: 6 });
    const { history } = await fit(model, source, { epochs: 20, optimizer });
    expect(history.at(-1)?.trainLoss as number).toBeLessThan(history[0]?.trainLoss as number);
    model.dispose();
  });
});
