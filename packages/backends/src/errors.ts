import { hasMarker, MnistLabError } from '@mnist-lab/errors';

const marker = Symbol.for('mnist-lab.backends.error');

/** A backend was asked for by name and cannot start; `message` says why and how to fix it. */
export class BackendUnavailableError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'BackendUnavailableError';

  constructor(
    /** The backend that was asked for. */
    readonly backend: string,
    message: string,
  ) {
    super(message);
  }

  /** True for this error even when it comes from another copy of the package. */
  static override isInstance(error: unknown): error is BackendUnavailableError {
    return hasMarker(error, marker);
  }
}

const openBlasMarker = Symbol.for('mnist-lab.backends.openblas-unavailable');

/** Why OpenBLAS could not be used, with what to do about it. */
export class OpenBlasUnavailable extends MnistLabError {
  readonly [openBlasMarker] = true;
  override readonly name = 'OpenBlasUnavailable';

  /** True for this error even when it comes from another copy of the package. */
  static override isInstance(error: unknown): error is OpenBlasUnavailable {
    return hasMarker(error, openBlasMarker);
  }
}
