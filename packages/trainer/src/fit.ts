import type { Module } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from './batch-source';
import type { TrainingPosition } from './checkpoint';
import { Checkpointer, type SavePoint, START } from './checkpointer';
import { EpochMeter } from './epoch-meter';
import { TrainerError } from './errors';
import { evaluate } from './evaluate';
import type { EpochRecord } from './events';
import { type FitOptions, type ParsedFitOptions, parseFitOptions } from './fit-options';
import { type FusedStepPlan, planFusedStep, type StepResult } from './fused-step';
import { learningRateAt } from './lr-schedule';
import { createOptimizer, setLearningRate } from './optimizer';
import { probedStep } from './probes';
import { yieldToEventLoop } from './yield-to-event-loop';

export type { FitOptions } from './fit-options';

/** What {@link fit} returns. */
export interface FitResult {
  readonly reason: 'completed' | 'aborted';
  readonly history: EpochRecord[];
  readonly globalStep: number;
}

/**
 * Trains `model` on `train` batches: the lesson's loop (forward in training mode, loss, backward,
 * optimizer step) for `epochs` epochs, with metrics kept on the device until an epoch ends, events
 * for UIs, optional checkpoints and resume, and a guard that stops on a NaN or infinite loss,
 * naming the epoch and step, before any checkpoint could save it. Its parts: the options, parsed
 * once (`parseFitOptions`); an `EpochMeter` per epoch; a `Checkpointer`.
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
  if (train.batchesPerEpoch === 0) {
    throw new TrainerError(
      'empty-data',
      'fit: the training data has no batches; expected at least one example',
    );
  }
  const optimizer = createOptimizer(opts.optimizer);
  const checkpointer = new Checkpointer(model, optimizer, opts);
  let meter: EpochMeter | undefined;
  try {
    const position = opts.resume === undefined ? START : await checkpointer.restore(opts.resume);
    const perEpoch = train.batchesPerEpoch;
    if (perEpoch !== undefined && position.batch > perEpoch)
      throw new TrainerError(
        'bad-checkpoint',
        `the checkpoint is at batch ${position.batch} of epoch ${position.epoch + 1}, but an epoch of this data has ${perEpoch} batches: other data or another batch size than the run's`,
      );
    const progress: Progress = {
      globalStep: position.globalStep,
      history: [...position.history],
      started: performance.now(),
    };
    const params = model.parameters();
    // After the restore: the plan holds the velocities the checkpoint put back.
    const fused = opts.fusedSteps ? planFusedStep(model, optimizer, params, opts.loss) : undefined;
    const loop: Loop = { model, train, optimizer, params, opts, checkpointer, fused };
    for (let epoch = position.epoch; epoch < opts.epochs; epoch++) {
      const resumed = epoch === position.epoch ? position : undefined;
      const lr = learningRateAt(opts.optimizer.lr, opts.lrSchedule, epoch);
      setLearningRate(optimizer, lr);
      meter = new EpochMeter(epoch, resumed?.partial);
      const batch = resumed?.batch ?? 0;
      // Stopped before the epoch began: where it stands is saved already, unless it was not.
      const ended = opts.signal?.aborted
        ? await stop(loop, progress, epoch, batch, meter)
        : await trainEpoch(loop, progress, meter, epoch, batch);
      if (ended === 'aborted') return await finish(opts, progress, 'aborted');
      meter.lap();
      const partial = await meter.partial();
      meter.dispose();
      meter = undefined;
      const record = await epochRecord(model, opts, epoch, lr, partial, progress.globalStep);
      progress.history.push(record);
      await opts.emit({ type: 'epoch', ...record });
      if (opts.checkpoint?.everyEpoch) await checkpointer.save(at(progress, epoch + 1, 0));
    }
    return await finish(opts, progress, 'completed');
  } finally {
    meter?.dispose();
    optimizer.dispose();
  }
}

/** What `fit` works with, fixed for the whole run. */
interface Loop {
  readonly model: Module;
  readonly train: BatchSource;
  readonly optimizer: tf.Optimizer;
  readonly params: tf.Variable[];
  readonly opts: ParsedFitOptions;
  readonly checkpointer: Checkpointer;
  /** The fused step, when the model, optimizer, loss and backend allow one (and `fusedSteps`). */
  readonly fused: FusedStepPlan | undefined;
}

/** How far the run has come. */
interface Progress {
  globalStep: number;
  readonly history: EpochRecord[];
  /** `performance.now()` when `fit` started (or resumed). */
  readonly started: number;
}

const at = (progress: Progress, epoch: number, batch: number): SavePoint => ({
  epoch,
  batch,
  globalStep: progress.globalStep,
  history: progress.history,
});

/** Saves where training stopped (once) and says so. */
async function stop(
  loop: Loop,
  progress: Progress,
  epoch: number,
  batch: number,
  meter?: EpochMeter,
): Promise<'aborted'> {
  meter?.lap();
  await loop.checkpointer.save(at(progress, epoch, batch), meter);
  return 'aborted';
}

/**
 * One epoch's steps from batch `batch` on, with reports, step checkpoints and the NaN guard;
 * `aborted` when the signal stopped it (a checkpoint saved first).
 */
async function trainEpoch(
  loop: Loop,
  progress: Progress,
  meter: EpochMeter,
  epoch: number,
  startBatch: number,
): Promise<'done' | 'aborted'> {
  const { train, opts, checkpointer } = loop;
  let batch = startBatch;
  for (const { x, y } of train.epoch(epoch, batch)) {
    if (opts.signal?.aborted) {
      tf.dispose([x, y]);
      return stop(loop, progress, epoch, batch, meter);
    }
    const size = y.shape[0] as number;
    const probing = opts.probes !== undefined && progress.globalStep % opts.probes.every === 0;
    const { loss, correct } = probing
      ? await probe(loop, meter, x, y, { epoch: epoch + 1, step: progress.globalStep })
      : step(loop, x, y);
    progress.globalStep++;
    batch++;
    const { globalStep } = progress;
    meter.record(loss, correct, size, globalStep, batch);
    if (globalStep % opts.reportEvery === 0 || batch === train.batchesPerEpoch) {
      const reading = await meter.report();
      await opts.emit({
        type: 'batch',
        epoch: epoch + 1,
        batch,
        batchesPerEpoch: train.batchesPerEpoch,
        globalStep,
        ...reading,
        elapsedMs: performance.now() - progress.started,
      });
    }
    const every = opts.checkpoint?.everySteps;
    if (every !== undefined && globalStep % every === 0) {
      meter.lap();
      await checkpointer.save(at(progress, epoch, batch), meter);
    }
    // Bounds the losses held on the device between two checks.
    if (meter.uncheckedSteps >= 1000) await meter.check();
    await yieldToEventLoop();
  }
  if (meter.seen === 0) {
    throw new TrainerError(
      'empty-data',
      `fit: epoch ${epoch + 1} yielded no training batches; expected at least one example`,
    );
  }
  return 'done';
}

/** The `done` event, and what `fit` returns. */
async function finish(
  opts: ParsedFitOptions,
  progress: Progress,
  reason: FitResult['reason'],
): Promise<FitResult> {
  const { globalStep, history } = progress;
  await opts.emit({
    type: 'done',
    reason,
    globalStep,
    history,
    elapsedMs: performance.now() - progress.started,
  });
  return { reason, history, globalStep };
}

/** A probed training step (the same update as {@link step}): its probe kept and emitted. */
async function probe(
  loop: Loop,
  meter: EpochMeter,
  x: tf.Tensor,
  y: tf.Tensor,
  where: { epoch: number; step: number },
): Promise<{ loss: tf.Scalar; correct: tf.Tensor }> {
  const { model, optimizer, opts, fused } = loop;
  const { loss, correct, probe } = await probedStep(
    model,
    optimizer,
    opts.loss,
    x,
    y,
    where,
    fused,
  );
  meter.probes.push(probe);
  await opts.emit({ type: 'probe', ...probe });
  return { loss, correct };
}

/** One training step: forward in training mode, the loss, backward and the optimizer's update. */
function step(loop: Loop, x: tf.Tensor, y: tf.Tensor): StepResult {
  const fused = loop.fused?.step(x, y);
  if (fused !== undefined) return fused;
  const { model, optimizer, params, opts } = loop;
  let correct: tf.Tensor | undefined;
  const loss = optimizer.minimize(
    () => {
      const out = model.forward(x, { training: true });
      correct = tf.keep(
        tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(y, 'int32')), 'float32')),
      );
      return opts.loss(out, y);
    },
    true,
    params,
  ) as tf.Scalar;
  tf.dispose([x, y]);
  return { loss, correct: correct as tf.Tensor };
}

/** The epoch's record: its training sums, and the validation set's metrics when there is one. */
async function epochRecord(
  model: Module,
  opts: ParsedFitOptions,
  epoch: number,
  lr: number,
  partial: TrainingPosition['partial'],
  globalStep: number,
): Promise<EpochRecord> {
  const validationStart = performance.now();
  const validation =
    opts.validation === undefined
      ? undefined
      : await evaluate(model, opts.validation, { loss: opts.loss });
  const trained =
    opts.trainEvaluation === undefined
      ? undefined
      : await evaluate(model, opts.trainEvaluation, { loss: opts.loss });
  const validationSeconds = (performance.now() - validationStart) / 1000;
  return {
    epoch: epoch + 1,
    trainLoss: partial.lossSum / partial.seen,
    trainAccuracy: partial.correct / partial.seen,
    ...(validation === undefined
      ? {}
      : {
          validation: {
            loss: validation.loss,
            lessonTestLoss: validation.lessonTestLoss,
            accuracy: validation.accuracy,
            correct: validation.correct,
            total: validation.total,
          },
        }),
    ...(trained === undefined
      ? {}
      : { trainEvaluation: { loss: trained.loss, accuracy: trained.accuracy } }),
    lr,
    seconds: partial.seconds,
    validationSeconds,
    samplesPerSecond: partial.seen / Math.max(partial.seconds, 1e-9),
    globalStep,
    ...(partial.probes === undefined ? {} : { probes: partial.probes }),
  };
}
