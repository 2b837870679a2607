const marker = Symbol.for('mnist-lab.backends.error');

/** A backend was asked for by name and cannot start; `message` says why and how to fix it. */
export class BackendUnavailableError extends Error {
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
  static isInstance(error: unknown): error is BackendUnavailableError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
