const BASE = Symbol.for('mnist-lab.error');

/** True when `error` carries `marker`: an `isInstance` that works across two copies of a package. */
export function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && marker in error;
}

/**
 * The base of every error an mnist-lab package throws on purpose: a message that names the input
 * and what was expected. Each package's errors extend it and add their own marker
 * (`Symbol.for('mnist-lab.<package>.error')`) for their own `isInstance`; `instanceof` fails when
 * an application ends up with two copies of a package, a `Symbol.for` marker does not.
 *
 * @example
 * const marker = Symbol.for('mnist-lab.data.error');
 * class DataError extends MnistLabError {
 *   readonly [marker] = true;
 *   static override isInstance(e: unknown): e is DataError { return hasMarker(e, marker); }
 * }
 */
export class MnistLabError extends Error {
  readonly [BASE] = true;

  /** True for any mnist-lab error, from any copy of any package. */
  static isInstance(error: unknown): error is MnistLabError {
    return hasMarker(error, BASE);
  }
}
