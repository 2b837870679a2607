import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { fileError } from '@mnist-lab/errors/node';

/**
 * Writes a new file (refusing one that exists) and flushes it to the disk before returning. A
 * failure is a `FileError` naming the path and what to do (`the disk is full; free some space…`).
 */
export async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // A full disk, a read-only file system, a path through a file: one line that says what to do.
    throw fileError(path, error, 'cannot write');
  }
}

/**
 * Writes a file atomically: to a temporary name beside it, flushed to disk, then renamed over the
 * target, so a reader (or a crash) sees the old file or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeSynced(temp, data);
    try {
      await rename(temp, path);
    } catch (error) {
      throw fileError(path, error, 'cannot write');
    }
  } finally {
    await rm(temp, { force: true });
  }
}
