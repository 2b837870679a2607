import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { FileError, readRegularFile } from '@mnist-lab/errors/node';
import { type DatasetSplits, datasetFromIdx, type IdxFiles } from '../dataset';
import { IDX_FILE_NAMES, type IdxFileRole, KNOWN_DATASETS } from '../dataset-facts';
import { DataError } from '../errors';
import { isGzip } from '../gzip';
import { idxDeclaredSize, MAX_IDX_BYTES } from '../idx-limits';

/** The SHA-256 of some bytes, as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Decompresses a gzipped IDX file with `node:zlib`, naming `file` in the error if it is not valid
 * gzip. It first inflates a few kilobytes to read the IDX header, then never inflates more than
 * the size that header declares (nor more than `limit` bytes): a gzip bomb or a lying header fails
 * with a clear error instead of taking the machine's memory.
 */
export function gunzipNode(bytes: Uint8Array, file: string, limit = MAX_IDX_BYTES): Uint8Array {
  const gunzip = (input: Uint8Array, options: Parameters<typeof gunzipSync>[1]) => {
    try {
      return gunzipSync(input, options);
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw new DataError('bad-gzip', file, `cannot gunzip: ${(cause as Error).message}`, {
        cause,
      });
    }
  };
  // 8 KB of deflate after the gzip header inflate to at most ~8 MB, and hold the longest IDX header
  // (1024 bytes). The gzip header's own fields (a name, a comment, extra data) may be of any length:
  // they are skipped, not counted in the 8 KB.
  const start = gzipHeaderLength(bytes, file);
  let head: Uint8Array | undefined;
  try {
    head = inflateRawSync(bytes.subarray(start, start + 8192), {
      finishFlush: constants.Z_SYNC_FLUSH,
    });
  } catch (cause) {
    throw new DataError('bad-gzip', file, `cannot gunzip: ${(cause as Error).message}`, { cause });
  }
  const declared = head === undefined ? undefined : idxDeclaredSize(head);
  if (declared !== undefined && declared > limit) {
    throw new DataError(
      'too-large',
      file,
      `the IDX header declares ${declared} bytes, more than the ${limit} bytes this reader accepts`,
    );
  }
  const out = gunzip(bytes, { maxOutputLength: Math.max(1, declared ?? limit) });
  if (out === undefined) {
    throw new DataError(
      'size-mismatch',
      file,
      declared === undefined
        ? `decompresses past ${limit} bytes; refusing the rest`
        : `decompresses past the ${declared} bytes its IDX header declares; refusing the rest`,
    );
  }
  return out;
}

/** gzip's header flags: extra field, file name, comment, header CRC (RFC 1952). */
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const FHCRC = 2;

/** Where a gzip member's deflate data starts: after its 10 bytes and the optional fields it flags. */
export function gzipHeaderLength(bytes: Uint8Array, file: string): number {
  const bad = (why: string): never => {
    throw new DataError('bad-gzip', file, `cannot gunzip: ${why}`);
  };
  if (bytes.length < 10 || bytes[2] !== 8) bad('not a gzip header of deflate data');
  const flags = bytes[3] as number;
  let at = 10;
  if (flags & FEXTRA) {
    if (at + 2 > bytes.length) bad('the header ends inside its extra field');
    at += 2 + ((bytes[at] as number) | ((bytes[at + 1] as number) << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, at);
    if (end < 0) bad(`the header's ${flag === FNAME ? 'file name' : 'comment'} does not end`);
    at = end + 1;
  }
  if (flags & FHCRC) at += 2;
  if (at > bytes.length) bad('the header runs past the end of the file');
  return at;
}

/**
 * Reads one IDX file (gzipped or not, detected by content) as uncompressed bytes, refusing a file
 * larger than `limit` before reading it.
 */
export async function readIdxFile(path: string, limit = MAX_IDX_BYTES): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    // A regular file only: /dev/urandom behind a symbolic link, or a FIFO, is refused unread.
    bytes = await readRegularFile(path, limit, 'an IDX file');
  } catch (cause) {
    if (!FileError.isInstance(cause)) throw cause;
    const message = cause.message.slice(path.length + 2);
    throw new DataError(cause.kind === 'too-large' ? 'too-large' : 'not-found', path, message, {
      cause,
    });
  }
  return isGzip(bytes) ? gunzipNode(bytes, path, limit) : bytes;
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
