import type { EvaluationResult } from './metrics';
import type { ProbeRecord } from './probes';

/** One epoch's metrics: what the history file holds, a line per epoch. */
export interface EpochRecord {
  /** 1-based, as the lesson prints it. */
  readonly epoch: number;
  /** Mean training loss per example over the epoch (with dropout active). */
  readonly trainLoss: number;
  /** Training accuracy over the epoch, in [0, 1]. */
  readonly trainAccuracy: number;
  /** The validation set's metrics (the lesson's "test"), without the confusion matrix. */
  readonly validation?: Omit<EvaluationResult, 'confusion' | 'perClass'>;
  /** With `trainEvaluation`: its loss and accuracy in eval mode, after the epoch. */
  readonly trainEvaluation?: { readonly loss: number; readonly accuracy: number };
  /** The learning rate used. */
  readonly lr: number;
  /** Wall-clock seconds of the epoch's training (validation excluded). */
  readonly seconds: number;
  /** Wall-clock seconds of the validation pass (0 without validation). */
  readonly validationSeconds: number;
  readonly samplesPerSecond: number;
  /** Training steps done so far, over all epochs. */
  readonly globalStep: number;
  /** With probes on: what each probe of the epoch saw, in order. */
  readonly probes?: readonly ProbeRecord[];
}

/** Progress within an epoch, every `reportEvery` steps and at its end. */
export interface BatchEvent {
  readonly type: 'batch';
  /** 1-based epoch. */
  readonly epoch: number;
  /** Batches done in this epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number | undefined;
  readonly globalStep: number;
  /** The loss of the last batch. */
  readonly loss: number;
  /** The mean loss per example over the epoch so far. */
  readonly meanLoss: number;
  readonly samplesPerSecond: number;
  /** Milliseconds since `fit` started (or resumed). */
  readonly elapsedMs: number;
}

/** A look inside the network during a training step (with `probes: { every }`). */
export interface ProbeEvent extends ProbeRecord {
  readonly type: 'probe';
}

export interface EpochEvent extends EpochRecord {
  readonly type: 'epoch';
}

/** `fit` saved a checkpoint. */
export interface CheckpointEvent {
  readonly type: 'checkpoint';
  readonly epoch: number;
  readonly globalStep: number;
  /** Where the store put it (a directory, for the file store). */
  readonly location: string;
}

/** `fit` ended: completed, or stopped by its signal. */
export interface DoneEvent {
  readonly type: 'done';
  /** `completed`, or `aborted` when the signal stopped training between steps. */
  readonly reason: 'completed' | 'aborted';
  readonly globalStep: number;
  readonly history: readonly EpochRecord[];
  readonly elapsedMs: number;
}

/** What `fit` reports, for progress bars and live charts. */
export type TrainEvent = BatchEvent | ProbeEvent | EpochEvent | CheckpointEvent | DoneEvent;
