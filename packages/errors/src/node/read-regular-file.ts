import type { Stats } from 'node:fs';
import { constants, type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { FileError, fileError } from './file-error';

/** What a path that is not a regular file is, in words. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFile()) return 'a file';
  return 'not a regular file';
}

/**
 * Reads a regular file whole, refusing anything else and anything larger than `maxBytes` before
 * reading it: a device such as `/dev/zero`, a FIFO or a socket, named directly or through a
 * symbolic link, is refused at once (a FIFO is opened without waiting for a writer), and a file
 * that grows past what its size said while it is read is refused too. Memory is bounded by
 * `maxBytes`. `what` names the file in messages (`the model`, `an image`).
 *
 * @example
 * const bytes = await readRegularFile('model.safetensors', 200 * 2 ** 20, 'the model');
 */
export async function readRegularFile(
  path: string,
  maxBytes: number,
  what = 'the file',
): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fileError(path, error, `cannot read ${what}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new FileError(
        path,
        `${kindOf(info)}, not a regular file; expected ${what}`,
        'not-regular',
      );
    if (info.size > maxBytes)
      throw new FileError(
        path,
        `the file holds ${info.size} bytes, more than the ${maxBytes} bytes read for ${what}`,
        'too-large',
      );
    // One byte more than the size: a file that grew since is seen, not read on without bound.
    const bytes = new Uint8Array(info.size + 1);
    let total = 0;
    while (total < bytes.length) {
      const { bytesRead } = await handle.read(bytes, total, bytes.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > info.size)
      throw new FileError(
        path,
        `grew while it was read; expected ${what} to stay as it is`,
        'changed',
      );
    return bytes.subarray(0, total);
  } catch (error) {
    throw fileError(path, error, `cannot read ${what}`);
  } finally {
    await handle.close();
  }
}

/**
 * Makes a folder and its parents one level at a time, failing at once with a {@link FileError}
 * that names the level that cannot be made (Node's `mkdir({ recursive: true })` never returns for
 * some paths: `/proc/self/x`). A level that exists as a file is refused, naming it.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const parts = resolve(dir).split(sep).filter(Boolean);
  let path: string = sep;
  for (const part of parts) {
    path = join(path, part);
    try {
      await mkdir(path);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST')
        throw fileError(path, error, 'cannot make this folder');
      let info: Stats;
      try {
        info = await stat(path);
      } catch (cause) {
        throw fileError(path, cause, 'cannot make this folder');
      }
      if (!info.isDirectory())
        throw new FileError(
          path,
          `${kindOf(info)} is there, not a folder; choose another path`,
          'not-regular',
        );
    }
  }
}
