import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../index';
import { loadIdxDirectory, sha256Hex } from '../node';
import { tinyIdxFiles } from '../test-helpers';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mnist-lab-dir-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writeTiny(gzipRoles: string[] = []) {
  for (const [role, { file, bytes }] of Object.entries(tinyIdxFiles())) {
    const gz = gzipRoles.includes(role);
    await writeFile(join(dir, gz ? `${file}.gz` : file), gz ? gzipSync(bytes) : bytes);
  }
}

describe('loadIdxDirectory', () => {
  it('loads a mix of gzipped and plain files under their usual names', async () => {
    await writeTiny(['trainImages', 'testLabels']);
    const ds = await loadIdxDirectory(dir, { name: 'tiny' });
    expect(ds.train.count).toBe(12);
    expect(ds.test.count).toBe(5);
  });

  it('names the missing files and the directory', async () => {
    await writeTiny();
    await rm(join(dir, 't10k-labels-idx1-ubyte'));
    const error = await loadIdxDirectory(dir).catch((e: unknown) => e);
    expect(DataError.isInstance(error) && error.code).toBe('not-found');
    expect((error as Error).message).toContain(`${dir}: missing t10k-labels-idx1-ubyte[.gz]`);
  });

  it('reports a corrupt gzip file by name', async () => {
    await writeTiny();
    await rm(join(dir, 'train-images-idx3-ubyte'));
    await writeFile(
      join(dir, 'train-images-idx3-ubyte.gz'),
      Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]),
    );
    const error = await loadIdxDirectory(dir).catch((e: unknown) => e);
    expect(DataError.isInstance(error) && error.code).toBe('bad-gzip');
    expect((error as Error).message).toContain('train-images-idx3-ubyte.gz: cannot gunzip');
  });

  it('checks pinned checksums when given', async () => {
    await writeTiny();
    const files = tinyIdxFiles();
    const sha256 = {
      trainImages: sha256Hex(files.trainImages.bytes),
      trainLabels: sha256Hex(files.trainLabels.bytes),
      testImages: sha256Hex(files.testImages.bytes),
      testLabels: '0'.repeat(64),
    };
    const error = await loadIdxDirectory(dir, { sha256 }).catch((e: unknown) => e);
    expect(DataError.isInstance(error) && error.code).toBe('checksum-mismatch');
    expect((error as Error).message).toMatch(
      /t10k-labels-idx1-ubyte: SHA-256 .* is [0-9a-f]{64}, expected 0{64}/,
    );
  });
});
