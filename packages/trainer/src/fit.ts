import { crossEntropy, type Module } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from './batch-source';
import {
  type CheckpointData,
  type CheckpointStore,
  encodeOptimizer,
  encodeStateDict,
  loadOptimizerBytes,
  loadStateDictBytes,
  type TrainingPosition,
} from './checkpoint';
import { TrainerError } from './errors';
import { evaluate, type LossFn } from './evaluate';
import type { EpochRecord, TrainEvent } from './events';
import { parseFitOptions } from './fit-options';
import { type LrScheduleConfig, learningRateAt } from './lr-schedule';
import { DeviceSums } from './metrics';
import { createOptimizer, type OptimizerConfigInput, setLearningRate } from './optimizer';
import { yieldToEventLoop } from './yield-to-event-loop';

/** Options of {@link fit}. */
export interface FitOptions {
  /** Epochs to train (in all: a resumed run continues up to this many). */
  readonly epochs: number;
  /** `{ name: 'sgd', lr: 0.01, momentum: 0.5 }` (the lesson's), `adam` or `rmsprop`. */
  readonly optimizer: OptimizerConfigInput;
  /** Defaults to the lesson's `crossEntropy`. */
  readonly loss?: LossFn;
  /** A per-epoch learning-rate schedule (`step` or `cosine`). */
  readonly lrSchedule?: LrScheduleConfig;
  /** Evaluated after every epoch (the lesson evaluates the test set). */
  readonly validation?: BatchSource;
  /**
   * Stops training within one step (a last checkpoint is saved when a store is given). `fit` lets
   * the event loop run after every step, so an abort from a timer, a signal handler or a UI event
   * is seen at once.
   */
  readonly signal?: AbortSignal;
  /** Progress, epoch, checkpoint and done events. */
  readonly onEvent?: (event: TrainEvent) => void | Promise<void>;
  /** Report a `batch` event (and check the loss is finite) every this many steps. Defaults to 100. */
  readonly reportEvery?: number;
  /** Save checkpoints to this store. */
  readonly checkpoint?: {
    readonly store: CheckpointStore;
    /** Also save every this many steps. */
    readonly everySteps?: number;
    /** Save at the end of each epoch. Defaults to true. */
    readonly everyEpoch?: boolean;
  };
  /** Continue from this checkpoint (for example `await store.loadLatest()`). */
  readonly resume?: CheckpointData;
  /** Saved with each checkpoint (the CLI stores its run config). */
  readonly runInfo?: unknown;
}

/** What {@link fit} returns. */
export interface FitResult {
  readonly reason: 'completed' | 'aborted';
  readonly history: EpochRecord[];
  readonly globalStep: number;
}

interface EpochState {
  sums: DeviceSums;
  seen: number;
  seconds: number;
}

/**
 * Trains `model` on `train` batches: the lesson's loop (forward in training mode, loss, backward,
 * optimizer step) for `epochs` epochs, with metrics kept on the device until an epoch ends, events
 * for UIs, optional checkpoints and resume, and a guard that stops on a NaN or infinite loss,
 * naming the epoch and step, before any checkpoint could save it.
 *
 * @example
 * const { history } = await fit(model, trainLoader, {
 *   epochs: 10, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 }, validation: testLoader,
 * });
 */
export async function fit(
  model: Module,
  train: BatchSource,
  options: FitOptions,
): Promise<FitResult> {
  const opts = parseFitOptions(options);
  const lossFn = options.loss ?? crossEntropy;
  const emit = async (e: TrainEvent) => {
    await options.onEvent?.(e);
  };
  const optimizer = createOptimizer(opts.optimizer);
  const params = model.parameters();
  const generators = model.namedGenerators();
  let position: TrainingPosition = {
    epoch: 0,
    batch: 0,
    globalStep: 0,
    partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    history: [],
    rng: {},
  };
  if (options.resume !== undefined) {
    loadStateDictBytes(model, options.resume.model);
    await loadOptimizerBytes(optimizer, options.resume.optimizer);
    position = options.resume.position;
    for (const [name, rng] of generators) {
      const state = position.rng[name];
      if (state === undefined)
        throw new TrainerError(
          'bad-checkpoint',
          `the checkpoint has no state for generator '${name}'`,
        );
      rng.setState(state);
    }
  }
  if (train.batchesPerEpoch === 0) {
    throw new TrainerError(
      'empty-data',
      'fit: the training data has no batches; expected at least one example',
    );
  }
  const history = [...position.history];
  let globalStep = position.globalStep;
  // Where the newest checkpoint stands (saved here or resumed from): never saved twice.
  const at = (epoch: number, batch: number) => `${epoch}:${batch}:${globalStep}`;
  let savedAt = options.resume === undefined ? '' : at(position.epoch, position.batch);
  let current: EpochState | undefined;
  const started = performance.now();
  // Each step's loss since the last check, and where it ran: read in one go at the next check
  // (a report, a checkpoint, an epoch's end), so that no step waits for the device.
  let unchecked: { loss: tf.Tensor; globalStep: number; epoch: number; batch: number }[] = [];
  // Returns the newest step's loss (undefined when there was nothing to check).
  const checkFinite = async (epoch: number): Promise<number | undefined> => {
    if (unchecked.length === 0) return undefined;
    const stacked = tf.stack(unchecked.map((u) => u.loss));
    const values = await stacked.data();
    stacked.dispose();
    const bad = values.findIndex((v) => !Number.isFinite(v));
    const at = unchecked[bad];
    tf.dispose(unchecked.map((u) => u.loss));
    unchecked = [];
    if (at !== undefined) {
      throw new TrainerError(
        'non-finite-loss',
        `the training loss became NaN or infinite at epoch ${at.epoch + 1}, step ${at.batch} (global step ${at.globalStep}); stopped before epoch ${epoch + 1} could save it`,
      );
    }
    return values[values.length - 1];
  };

  const save = async (epoch: number, batch: number, state: EpochState | undefined) => {
    const store = opts.checkpoint?.store;
    if (store === undefined || savedAt === at(epoch, batch)) return;
    await checkFinite(epoch);
    const partial =
      state === undefined
        ? { lossSum: 0, correct: 0, seen: 0, seconds: 0 }
        : await readPartial(state);
    const data: CheckpointData = {
      model: await encodeStateDict(model),
      optimizer: await encodeOptimizer(optimizer),
      position: {
        epoch,
        batch,
        globalStep,
        partial,
        history,
        rng: Object.fromEntries(generators.map(([name, rng]) => [name, rng.getState()])),
        ...(options.runInfo === undefined ? {} : { run: options.runInfo }),
      },
    };
    const location = await store.save(data);
    savedAt = at(epoch, batch);
    await emit({ type: 'checkpoint', epoch: epoch + 1, globalStep, location });
  };

  try {
    for (let epoch = position.epoch; epoch < opts.epochs; epoch++) {
      if (options.signal?.aborted) {
        await save(epoch, 0, undefined);
        return await finish('aborted');
      }
      const resumed = epoch === position.epoch ? position : undefined;
      const lr = learningRateAt(opts.optimizer.lr, options.lrSchedule, epoch);
      setLearningRate(optimizer, lr);
      const state: EpochState = {
        sums: new DeviceSums(),
        seen: resumed?.partial.seen ?? 0,
        seconds: resumed?.partial.seconds ?? 0,
      };
      current = state;
      if (resumed !== undefined && resumed.partial.seen > 0) {
        state.sums.set('loss', tf.scalar(resumed.partial.lossSum));
        state.sums.set('correct', tf.scalar(resumed.partial.correct));
      }
      let batch = resumed?.batch ?? 0;
      let segmentStart = performance.now();
      let segmentSeen = 0;
      for (const { x, y } of train.epoch(epoch, batch)) {
        if (options.signal?.aborted) {
          tf.dispose([x, y]);
          state.seconds += (performance.now() - segmentStart) / 1000;
          await save(epoch, batch, state);
          return await finish('aborted');
        }
        const size = y.shape[0] as number;
        let correct: tf.Tensor | undefined;
        const loss = optimizer.minimize(
          () => {
            const out = model.forward(x, { training: true });
            correct = tf.keep(
              tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(y, 'int32')), 'float32')),
            );
            return lossFn(out, y);
          },
          true,
          params,
        ) as tf.Scalar;
        tf.dispose([x, y]);
        globalStep++;
        batch++;
        state.seen += size;
        segmentSeen += size;
        state.sums.add('loss', tf.mul(loss, size));
        state.sums.add('correct', correct as tf.Tensor);
        unchecked.push({ loss, globalStep, epoch, batch });

        if (globalStep % opts.reportEvery === 0 || batch === train.batchesPerEpoch) {
          // One read: every unchecked loss, the newest being this step's.
          const lastLoss = (await checkFinite(epoch)) as number;
          const sums = await state.sums.read();
          const seconds = (performance.now() - segmentStart) / 1000;
          await emit({
            type: 'batch',
            epoch: epoch + 1,
            batch,
            batchesPerEpoch: train.batchesPerEpoch,
            globalStep,
            loss: lastLoss,
            meanLoss: (sums.loss?.[0] ?? 0) / state.seen,
            samplesPerSecond: segmentSeen / Math.max(seconds, 1e-9),
            elapsedMs: performance.now() - started,
          });
        }
        if (
          opts.checkpoint?.everySteps !== undefined &&
          globalStep % opts.checkpoint.everySteps === 0
        ) {
          state.seconds += (performance.now() - segmentStart) / 1000;
          segmentStart = performance.now();
          segmentSeen = 0;
          await save(epoch, batch, state);
        }
        // Bounds the losses held on the device between two checks.
        if (unchecked.length >= 1000) await checkFinite(epoch);
        await yieldToEventLoop();
      }
      if (state.seen === 0) {
        throw new TrainerError(
          'empty-data',
          `fit: epoch ${epoch + 1} yielded no training batches; expected at least one example`,
        );
      }
      state.seconds += (performance.now() - segmentStart) / 1000;
      await checkFinite(epoch);
      const partial = await readPartial(state);
      state.sums.dispose();
      current = undefined;
      const validationStart = performance.now();
      const validation =
        options.validation === undefined
          ? undefined
          : await evaluate(model, options.validation, { loss: lossFn });
      const validationSeconds = (performance.now() - validationStart) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1,
        trainLoss: partial.lossSum / partial.seen,
        trainAccuracy: partial.correct / partial.seen,
        ...(validation === undefined
          ? {}
          : {
              validation: {
                loss: validation.loss,
                seedTestLoss: validation.seedTestLoss,
                accuracy: validation.accuracy,
                correct: validation.correct,
                total: validation.total,
              },
            }),
        lr,
        seconds: partial.seconds,
        validationSeconds,
        samplesPerSecond: partial.seen / Math.max(partial.seconds, 1e-9),
        globalStep,
      };
      history.push(record);
      await emit({ type: 'epoch', ...record });
      if (opts.checkpoint?.everyEpoch ?? true) await save(epoch + 1, 0, undefined);
    }
    return await finish('completed');
  } finally {
    tf.dispose(unchecked.map((u) => u.loss));
    current?.sums.dispose();
    optimizer.dispose();
  }

  async function finish(reason: 'completed' | 'aborted'): Promise<FitResult> {
    await emit({
      type: 'done',
      reason,
      globalStep,
      history,
      elapsedMs: performance.now() - started,
    });
    return { reason, history, globalStep };
  }
}

async function readPartial(state: EpochState): Promise<TrainingPosition['partial']> {
  const sums = await state.sums.read();
  return {
    lossSum: sums.loss?.[0] ?? 0,
    correct: sums.correct?.[0] ?? 0,
    seen: state.seen,
    seconds: state.seconds,
  };
}
