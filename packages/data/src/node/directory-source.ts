import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type DatasetSplits, datasetFromIdx, type IdxFiles } from '../dataset';
import { IDX_FILE_NAMES, type IdxFileRole, KNOWN_DATASETS } from '../dataset-facts';
import { DataError } from '../errors';
import { isGzip } from '../gzip';

/** The SHA-256 of some bytes, as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decompresses gzip bytes with `node:zlib`, naming `file` in the error if they are not valid gzip. */
export function gunzipNode(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    throw new DataError('bad-gzip', file, `cannot gunzip: ${(cause as Error).message}`, { cause });
  }
}

/** Reads one IDX file (gzipped or not, detected by content) as uncompressed bytes. */
export async function readIdxFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new DataError('not-found', path, `cannot read: ${(cause as Error).message}`, { cause });
  }
  return isGzip(bytes) ? gunzipNode(bytes, path) : bytes;
}

/** The paths of the four IDX files in `dir` (each `NAME` or `NAME.gz`), or a `not-found` error. */
export async function findIdxFiles(dir: string): Promise<Record<IdxFileRole, string>> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (cause) {
    throw new DataError(
      'not-found',
      dir,
      `cannot read the data directory: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const present = new Set(entries);
  const found: Partial<Record<IdxFileRole, string>> = {};
  const missing: string[] = [];
  for (const [role, name] of Object.entries(IDX_FILE_NAMES) as [IdxFileRole, string][]) {
    const hit = [name, `${name}.gz`].find((candidate) => present.has(candidate));
    if (hit === undefined) missing.push(`${name}[.gz]`);
    else found[role] = join(dir, hit);
  }
  if (missing.length > 0) {
    throw new DataError(
      'not-found',
      dir,
      `missing ${missing.join(', ')}; expected the four IDX files ${Object.values(IDX_FILE_NAMES).join(', ')} (each optionally .gz)`,
    );
  }
  return found as Record<IdxFileRole, string>;
}

/** Options of {@link loadIdxDirectory}. */
export interface DirectorySourceOptions {
  /** The dataset's name. Defaults to the directory's last path component. */
  readonly name?: string;
  /** Labels must lie in `[0, numClasses)`. Defaults to 10. */
  readonly numClasses?: number;
  /** Check each file's SHA-256 against these digests (of the uncompressed content). */
  readonly sha256?: Readonly<Record<IdxFileRole, string>>;
}

/**
 * Loads a dataset from a directory holding its four IDX files under their usual names, gzipped or
 * not: MNIST, Fashion-MNIST (`/usr/share/datasets/fashion-mnist` from Debian), or your own.
 */
export async function loadIdxDirectory(
  dir: string,
  options: DirectorySourceOptions = {},
): Promise<DatasetSplits> {
  const paths = await findIdxFiles(dir);
  const entries = await Promise.all(
    (Object.entries(paths) as [IdxFileRole, string][]).map(async ([role, file]) => {
      const bytes = await readIdxFile(file);
      const expected = options.sha256?.[role];
      if (expected !== undefined) {
        const actual = sha256Hex(bytes);
        if (actual !== expected) {
          throw new DataError(
            'checksum-mismatch',
            file,
            `SHA-256 of the uncompressed content is ${actual}, expected ${expected}`,
          );
        }
      }
      return [role, { file, bytes }] as const;
    }),
  );
  const name = options.name ?? (dir.split(/[\\/]/).filter(Boolean).pop() || 'dataset');
  return datasetFromIdx(Object.fromEntries(entries) as IdxFiles, {
    name,
    numClasses: options.numClasses ?? KNOWN_DATASETS[name]?.numClasses ?? 10,
  });
}
