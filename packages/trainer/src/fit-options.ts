import { TrainerError } from './errors';
import type { FitOptions } from './fit';
import { type OptimizerConfig, parseOptimizerConfig } from './optimizer';

/** The checked, defaulted parts of {@link FitOptions}. */
export interface ParsedFitOptions {
  readonly epochs: number;
  readonly optimizer: OptimizerConfig;
  readonly reportEvery: number;
  readonly checkpoint: FitOptions['checkpoint'];
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

/** Validates `fit`'s options up front, naming the first bad one. */
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
  if (options.checkpoint !== undefined) {
    if (typeof options.checkpoint.store?.save !== 'function') {
      throw new TrainerError(
        'invalid-option',
        'fit: checkpoint.store must have save() and loadLatest()',
      );
    }
    if (options.checkpoint.everySteps !== undefined)
      positiveInt('checkpoint.everySteps', options.checkpoint.everySteps);
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
  return { epochs, optimizer, reportEvery, checkpoint: options.checkpoint };
}
