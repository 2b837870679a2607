import { hasMarker, MnistLabError } from '@mnist-lab/errors';

const marker = Symbol.for('mnist-lab.layers.error');

/**
 * A module was used in a way its shapes do not allow: an input of the wrong shape, a state dict
 * whose keys or shapes differ from the model's. `message` names the module, what it got and what
 * it expected. (A bad constructor argument is an `ArgumentError`; a bad MLP config an
 * `MlpConfigError`.)
 */
export class LayersError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'LayersError';

  /** True for this error even when it comes from another copy of the package. */
  static override isInstance(error: unknown): error is LayersError {
    return hasMarker(error, marker);
  }
}
