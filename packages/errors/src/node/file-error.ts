import { hasMarker, MnistLabError } from '../mnist-lab-error';

const marker = Symbol.for('mnist-lab.errors.file-error');

/**
 * A file or folder that could not be read, written or made: the message names the path, what went
 * wrong in words and what to do (`/data/run/model.safetensors: the disk is full; free some space,
 * or choose a folder on another disk`). `code` is the system's (`ENOSPC`), where there was one.
 */
export class FileError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'FileError';

  constructor(
    readonly path: string,
    message: string,
    /**
     * What kind of problem: `too-large` (over the reader's bound), `not-regular` (a device, a FIFO,
     * a socket or a folder), `changed` (the file changed while read), `system` (the system said no:
     * see `code`).
     */
    readonly kind: 'too-large' | 'not-regular' | 'changed' | 'system',
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }

  /** True for a {@link FileError} from any copy of this package. */
  static override isInstance(error: unknown): error is FileError {
    return hasMarker(error, marker);
  }
}

/** What a system error code means for a path, and what to do about it. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full; free some space, or choose a folder on another disk',
  EDQUOT: 'the disk quota is used up; free some space, or choose a folder on another disk',
  EROFS: 'the file system is read-only; choose a folder you can write to',
  EACCES: 'permission denied; choose a folder you can write to, or change its permissions',
  EPERM: 'not permitted; choose a folder you can write to, or change its permissions',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of this path is a file, not a folder; choose another path',
  EISDIR: 'is a folder, where a file was expected; choose another path',
  EEXIST: 'already exists',
  EMFILE: 'too many open files; close other programs and try again',
  ENAMETOOLONG: 'the name is too long; choose a shorter path',
  ELOOP: 'too many symbolic links on the way; choose another path',
};

/**
 * A system error on `path` as a {@link FileError}: its code in words and what to do; an error that
 * is one already passes through.
 *
 * @example
 * try { await writeFile(path, bytes) } catch (e) { throw fileError(path, e, 'cannot write') }
 */
export function fileError(path: string, error: unknown, doing: string): FileError {
  if (FileError.isInstance(error)) return error;
  const code = (error as { code?: unknown })?.code;
  const known = typeof code === 'string' ? REASONS[code] : undefined;
  const why =
    known ?? (error instanceof Error ? error.message.replace(/^\w+: /, '') : String(error));
  const systemCode = typeof code === 'string' ? code : undefined;
  return new FileError(path, `${doing}: ${why}`, 'system', systemCode, { cause: error });
}
