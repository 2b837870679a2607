import { hasMarker, MnistLabError } from '@mnist-lab/errors';

const marker = Symbol.for('mnist-lab.trainer.error');

/** Why training or a checkpoint failed. */
export type TrainerErrorCode =
  | 'invalid-option'
  | 'non-finite-loss'
  | 'bad-checkpoint'
  | 'bad-safetensors'
  | 'empty-data';

/** A training error: `code` says what went wrong; `message` names the option, step or file. */
export class TrainerError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'TrainerError';

  constructor(
    readonly code: TrainerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True for this error even when it comes from another copy of the package. */
  static override isInstance(error: unknown): error is TrainerError {
    return hasMarker(error, marker);
  }
}
