import { crossEntropy } from '@mnist-lab/layers';
import type { BatchSource } from './batch-source';
import type { CheckpointData, CheckpointStore } from './checkpoint';
import { TrainerError } from './errors';
import type { LossFn } from './evaluate';
import type { TrainEvent } from './events';
import type { LrScheduleConfig } from './lr-schedule';
import { type OptimizerConfig, type OptimizerConfigInput, parseOptimizerConfig } from './optimizer';
import type { ProbeOptions } from './probes';

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
   * Training examples evaluated after every epoch in eval mode (no dropout, batch norm's running
   * statistics), beside `validation`: their gap shows overfitting. The record's `trainEvaluation`.
   */
  readonly trainEvaluation?: BatchSource;
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
  /**
   * Looks inside the network every `every` steps (from step 0): layer distributions, dead or
   * saturated units, gradient norms and update ratios, as `probe` events and in each epoch's
   * record. Probing changes nothing in the training: the weights are the same without it, bit for
   * bit, fused steps or not (where steps are fused, a probed step looks through a side computation
   * and updates through the fused kernel: {@link probedStep}).
   */
  readonly probes?: ProbeOptions;
  /**
   * Take each step in one fused kernel where the backend has one and the network, loss and
   * optimizer allow it (`fusedStep`): the lesson's four networks (ReLU or sigmoid, batch norm or not), on wasm (its
   * products on OpenBLAS in Node where installed, else XNNPACK, as in a browser). The results agree with the unfused step to float32 rounding, not bit for bit (see the
   * package README). Defaults to true; false always takes tfjs's ops and gradients.
   */
  readonly fusedSteps?: boolean;
}

/** {@link FitOptions} checked, with every default filled in: what the parts of `fit` read. */
export interface ParsedFitOptions {
  readonly epochs: number;
  readonly optimizer: OptimizerConfig;
  readonly loss: LossFn;
  readonly lrSchedule: LrScheduleConfig | undefined;
  readonly validation: BatchSource | undefined;
  readonly trainEvaluation: BatchSource | undefined;
  readonly signal: AbortSignal | undefined;
  /** Sends an event to `onEvent` (if any), waiting for it. */
  readonly emit: (event: TrainEvent) => Promise<void>;
  readonly reportEvery: number;
  readonly fusedSteps: boolean;
  readonly checkpoint:
    | {
        readonly store: CheckpointStore;
        readonly everySteps: number | undefined;
        readonly everyEpoch: boolean;
      }
    | undefined;
  readonly resume: CheckpointData | undefined;
  readonly runInfo: unknown;
  readonly probes: ProbeOptions | undefined;
}

const positiveInt = (name: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TrainerError(
      'invalid-option',
      `fit: ${name} must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
};

/** Validates `fit`'s options up front, naming the first bad one; every default is set here. */
export function parseFitOptions(options: FitOptions): ParsedFitOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TrainerError(
      'invalid-option',
      'fit: options must be an object with at least epochs and optimizer',
    );
  }
  const epochs = positiveInt('epochs', options.epochs);
  const optimizer = parseOptimizerConfig(options.optimizer);
  const reportEvery = positiveInt('reportEvery', options.reportEvery ?? 100);
  const { checkpoint } = options;
  if (checkpoint !== undefined) {
    if (typeof checkpoint.store?.save !== 'function') {
      throw new TrainerError(
        'invalid-option',
        'fit: checkpoint.store must have save() and loadLatest()',
      );
    }
    if (checkpoint.everySteps !== undefined)
      positiveInt('checkpoint.everySteps', checkpoint.everySteps);
  }
  const schedule = options.lrSchedule;
  if (schedule !== undefined) {
    if (schedule.type === 'step') positiveInt('lrSchedule.stepSize', schedule.stepSize);
    else if (schedule.type === 'cosine') positiveInt('lrSchedule.tMax', schedule.tMax);
    else
      throw new TrainerError(
        'invalid-option',
        `fit: lrSchedule.type must be 'step' or 'cosine', got ${JSON.stringify((schedule as { type: unknown }).type)}`,
      );
  }
  const onEvent = options.onEvent;
  return {
    epochs,
    optimizer,
    loss: options.loss ?? crossEntropy,
    lrSchedule: schedule,
    validation: options.validation,
    trainEvaluation: options.trainEvaluation,
    signal: options.signal,
    emit: async (event) => {
      await onEvent?.(event);
    },
    reportEvery,
    fusedSteps: options.fusedSteps ?? true,
    checkpoint:
      checkpoint === undefined
        ? undefined
        : {
            store: checkpoint.store,
            everySteps: checkpoint.everySteps,
            everyEpoch: checkpoint.everyEpoch ?? true,
          },
    resume: options.resume,
    runInfo: options.runInfo,
    probes:
      options.probes === undefined
        ? undefined
        : { every: positiveInt('probes.every', options.probes?.every) },
  };
}
