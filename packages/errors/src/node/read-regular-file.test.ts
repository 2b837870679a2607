import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError, fileError, makeDirectory, readRegularFile } from '../node';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mnist-lab-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const refusal = async (path: string, max = 1024) => {
  const error = await readRegularFile(path, max, 'the model').catch((e: unknown) => e);
  expect(FileError.isInstance(error), String(error)).toBe(true);
  return error as FileError;
};

describe('readRegularFile', () => {
  it('reads a regular file whole, and refuses one over the bound before reading it', async () => {
    await writeFile(join(dir, 'small'), 'hello');
    expect(new TextDecoder().decode(await readRegularFile(join(dir, 'small'), 5))).toBe('hello');
    const big = await refusal(join(dir, 'small'), 4);
    expect(big.kind).toBe('too-large');
    expect(big.message).toBe(
      `${join(dir, 'small')}: the file holds 5 bytes, more than the 4 bytes read for the model`,
    );
  });

  it('refuses a device, named or through a symbolic link, without reading it', async () => {
    await symlink('/dev/zero', join(dir, 'zero.safetensors'));
    for (const path of ['/dev/zero', join(dir, 'zero.safetensors')]) {
      const error = await refusal(path);
      expect(error.kind).toBe('not-regular');
      expect(error.message).toBe(`${path}: a device, not a regular file; expected the model`);
    }
  });

  it('refuses a FIFO at once, without waiting for a writer', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const error = await refusal(join(dir, 'pipe'));
    expect(error.message).toBe(
      `${join(dir, 'pipe')}: a FIFO (named pipe), not a regular file; expected the model`,
    );
  });

  it('refuses a folder, and names a missing file with what to do', async () => {
    expect((await refusal(dir)).message).toBe(
      `${dir}: a folder, not a regular file; expected the model`,
    );
    const missing = await refusal(join(dir, 'nope'));
    expect(missing).toMatchObject({ kind: 'system', code: 'ENOENT' });
    expect(missing.message).toBe(
      `${join(dir, 'nope')}: cannot read the model: no such file or folder`,
    );
  });
});

describe('makeDirectory and fileError', () => {
  it('makes a folder and its parents, and names the level that is a file', async () => {
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await writeFile(join(dir, 'file'), 'x');
    await expect(makeDirectory(join(dir, 'file', 'below'))).rejects.toThrow(
      `${join(dir, 'file')}: a file is there, not a folder; choose another path`,
    );
  });

  it('fails at once under /proc/self, where a recursive mkdir never returns', async () => {
    const error = await makeDirectory('/proc/self/x').catch((e: unknown) => e);
    expect(FileError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^\/proc\/self\/x: cannot make this folder: /);
  });

  it('says what a full disk or a read-only file system means, and what to do', () => {
    const full = fileError(
      '/data/run/model.safetensors',
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      'cannot write the model',
    );
    expect(full.message).toBe(
      '/data/run/model.safetensors: cannot write the model: the disk is full; free some space, or choose a folder on another disk',
    );
    expect(full.code).toBe('ENOSPC');
    const other = fileError('/x', new Error('EWHAT: odd'), 'cannot write');
    expect(other.message).toBe('/x: cannot write: odd');
  });
});
