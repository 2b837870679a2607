import { hasMarker, MnistLabError } from '@mnist-lab/errors';

const marker = Symbol.for('mnist-lab.data.error');

/** What is wrong with a dataset file or source. */
export type DataErrorCode =
  | 'bad-magic'
  | 'unknown-dtype'
  | 'truncated'
  | 'size-mismatch'
  | 'wrong-shape'
  | 'count-mismatch'
  | 'label-out-of-range'
  | 'not-found'
  | 'checksum-mismatch'
  | 'download-failed'
  | 'bad-gzip'
  | 'blank-image'
  | 'too-large'
  | 'bad-url'
  | 'bad-archive'
  | 'bad-image';

/**
 * Every malformed or missing input this package meets: `code` says what is wrong, `file` names
 * the file or URL, and `message` says both in words, with what was expected.
 */
export class DataError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'DataError';

  constructor(
    readonly code: DataErrorCode,
    /** The file, directory or URL at fault. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }

  /** True for this error even when it comes from another copy of the package. */
  static override isInstance(error: unknown): error is DataError {
    return hasMarker(error, marker);
  }
}
