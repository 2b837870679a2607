import { hasMarker, MnistLabError } from './mnist-lab-error';

const marker = Symbol.for('mnist-lab.argument-error');

/** A function or constructor was given a bad argument; `argument` names it. */
export class ArgumentError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'ArgumentError';

  constructor(
    /** The argument at fault, as the caller wrote it (`Linear: inFeatures`). */
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }

  static override isInstance(error: unknown): error is ArgumentError {
    return hasMarker(error, marker);
  }
}

const shown = (value: unknown) =>
  typeof value === 'number' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);

/**
 * Returns `value` when it is a positive integer; otherwise throws an {@link ArgumentError}:
 * "`name` must be a positive integer, got `value`".
 */
export function assertPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ArgumentError(name, `${name} must be a positive integer, got ${shown(value)}`);
  return value;
}

/** Returns `value` when it is a safe integer; otherwise throws an {@link ArgumentError}. */
export function assertInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new ArgumentError(name, `${name} must be an integer, got ${shown(value)}`);
  return value;
}
