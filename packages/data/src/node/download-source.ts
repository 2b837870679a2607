import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '@mnist-lab/errors';
import { fileError, makeDirectory } from '@mnist-lab/errors/node';
import type { DatasetSplits } from '../dataset';
import {
  type DatasetFacts,
  IDX_FILE_NAMES,
  type IdxFileRole,
  KNOWN_DATASETS,
} from '../dataset-facts';
import { DataError } from '../errors';
import { isGzip } from '../gzip';
import { MAX_IDX_BYTES } from '../idx-limits';
import { gunzipNode, loadIdxDirectory, sha256Hex } from './directory-source';

/** Where each known dataset's gzipped IDX files are published, tried in order. */
export const DEFAULT_MIRRORS: Readonly<Record<string, readonly string[]>> = {
  mnist: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
  ],
  'fashion-mnist': ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
};

/** The cache directory: `$MNIST_LAB_CACHE`, else `~/.cache/mnist-lab`. */
export function defaultCacheDir(): string {
  return process.env.MNIST_LAB_CACHE || join(homedir(), '.cache', 'mnist-lab');
}

/** Options of {@link downloadDataset}. */
export interface DownloadOptions {
  /** A known dataset name (`mnist`, `fashion-mnist`) or facts of your own, with pinned SHA-256s. */
  readonly dataset: string | DatasetFacts;
  /** Base URLs holding `NAME.gz` (or `NAME`), tried in order. Defaults to {@link DEFAULT_MIRRORS}. */
  readonly mirrors?: readonly string[];
  /** Defaults to {@link defaultCacheDir}; files go to `<cacheDir>/<dataset>/`. */
  readonly cacheDir?: string;
  /** Per-request time limit in milliseconds. Defaults to 60000. */
  readonly timeoutMs?: number;
  /** Told about each attempt, for logs. */
  readonly onEvent?: (event: DownloadEvent) => void;
}

/** What {@link downloadDataset} reports as it goes. */
export type DownloadEvent =
  | { readonly type: 'cached'; readonly file: string }
  | { readonly type: 'fetching'; readonly url: string }
  | { readonly type: 'failed'; readonly url: string; readonly reason: string }
  | { readonly type: 'saved'; readonly file: string };

function resolveFacts(dataset: string | DatasetFacts): DatasetFacts {
  if (typeof dataset !== 'string') return dataset;
  const facts = KNOWN_DATASETS[dataset];
  if (facts === undefined) {
    throw new ArgumentError(
      'downloadDataset',
      `downloadDataset: unknown dataset '${dataset}'; expected one of ${Object.keys(KNOWN_DATASETS).join(', ')} or facts with pinned checksums`,
    );
  }
  return facts;
}

async function cachedIsGood(path: string, sha256: string): Promise<boolean> {
  try {
    return sha256Hex(await readFile(path)) === sha256;
  } catch {
    return false;
  }
}

/**
 * Fetches one URL's whole body, failing on HTTP errors, dropped connections, time-outs and bodies
 * longer than `limit` bytes (a mirror that sends an endless body is cut off there).
 */
async function fetchBytes(url: string, timeoutMs: number, limit: number): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw new Error(`the body is ${declared} bytes, more than the ${limit} this file can be`);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('the response has no body');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      // A server that declared more than it sent (a lying Content-Length), then closed.
      if (Number.isFinite(declared) && size < declared)
        throw new Error(
          `the connection closed after ${size} of the ${declared} bytes its Content-Length header declared`,
          { cause: error },
        );
      throw error;
    }
    const { done, value } = next;
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the body grew past ${limit} bytes, more than this file can be; cut off`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** A write to this machine's cache that failed: not a mirror's failure, so no other mirror is tried. */
class LocalWriteError extends Error {
  constructor(readonly fileError: Error) {
    super(fileError.message);
  }
}

/** What undici's codes mean (Node's fetch says only "fetch failed" and keeps the reason in `cause`). */
const FETCH_CAUSES: Readonly<Record<string, string>> = {
  UND_ERR_HEADERS_OVERFLOW: "the response's headers are larger than Node accepts (16 KB)",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH:
    'the body did not match the length its Content-Length header declared',
  UND_ERR_SOCKET: 'the connection closed before the response was complete',
  UND_ERR_CONNECT_TIMEOUT: 'the server did not accept the connection in time',
  ECONNREFUSED: 'the connection was refused (no server on that port)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up (no network?)',
};

/**
 * Why a fetch failed, in words: Node's fetch throws "fetch failed" (or "terminated" mid-body) with
 * the reason in `cause`: a redirect loop, a lying Content-Length, headers too large, no host.
 */
export function fetchFailure(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no complete answer within ${timeoutMs / 1000} s`;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause === undefined || !/^(fetch failed|terminated)$/.test(error.message))
    return error.message;
  if (/redirect count exceeded/i.test(cause.message ?? ''))
    return 'too many redirects (a redirect loop)';
  const known = cause.code === undefined ? undefined : FETCH_CAUSES[cause.code];
  return known ?? `${error.message}: ${cause.message ?? cause.code ?? 'no reason given'}`;
}

/**
 * The uncompressed size of a dataset's file from its facts (the IDX header and one byte per
 * value), or the reader's limit where the facts give no counts.
 */
function fileSize(facts: DatasetFacts, role: IdxFileRole): number {
  const count = (role.startsWith('train') ? facts.trainLabelCounts : facts.testLabelCounts).reduce(
    (a, b) => a + b,
    0,
  );
  if (count === 0) return MAX_IDX_BYTES;
  return role.endsWith('Images') ? 16 + count * facts.rows * facts.cols : 8 + count;
}

/** A mirror's base URL, checked, with the trailing slash that keeps its last path segment. */
export function mirrorBase(mirror: string): URL {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw new DataError(
      'bad-url',
      mirror,
      'not a valid URL; expected an http:// or https:// base URL such as https://example.org/mnist/',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DataError(
      'bad-url',
      mirror,
      `unsupported scheme ${url.protocol}; expected an http:// or https:// base URL`,
    );
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * Downloads a dataset's four IDX files into the cache, verifies the SHA-256 of each decompressed
 * file against the pinned one, and loads them. A file is written to a temporary name and renamed
 * only once verified, so an interrupted or corrupt download never leaves a file a later run
 * trusts; a cached file is re-verified on every call. Each mirror is tried in turn.
 */
export async function downloadDataset(options: DownloadOptions): Promise<DatasetSplits> {
  const facts = resolveFacts(options.dataset);
  const mirrors = (options.mirrors ?? DEFAULT_MIRRORS[facts.name] ?? []).map(mirrorBase);
  if (mirrors.length === 0)
    throw new ArgumentError('downloadDataset', `downloadDataset: no mirrors for '${facts.name}'`);
  const dir = join(options.cacheDir ?? defaultCacheDir(), facts.name);
  // Level by level, failing with one line that names the folder (no hang under /proc/self).
  await makeDirectory(dir);
  const emit = options.onEvent ?? (() => {});

  for (const [role, name] of Object.entries(IDX_FILE_NAMES) as [IdxFileRole, string][]) {
    const target = join(dir, name);
    const expected = facts.sha256[role];
    if (await cachedIsGood(target, expected)) {
      emit({ type: 'cached', file: target });
      continue;
    }
    await rm(target, { force: true });
    const failures: string[] = [];
    let saved = false;
    for (const mirror of mirrors) {
      const url = new URL(`${name}.gz`, mirror).toString();
      emit({ type: 'fetching', url });
      try {
        // gzip adds a few bytes per 64 KB block; a mirror may also serve the file uncompressed.
        const size = fileSize(facts, role);
        const body = await fetchBytes(
          url,
          options.timeoutMs ?? 60_000,
          Math.min(size + (size >> 8) + 1024, MAX_IDX_BYTES),
        );
        const content = isGzip(body) ? gunzipNode(body, url, size) : body;
        const actual = sha256Hex(content);
        if (actual !== expected) throw new Error(`SHA-256 ${actual}, expected ${expected}`);
        const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
        try {
          // A local failure (a full disk) is this machine's, not the mirror's: it ends the download.
          try {
            await writeFile(temp, content);
            await rename(temp, target);
          } catch (error) {
            throw new LocalWriteError(fileError(target, error, 'cannot save the download'));
          }
        } finally {
          await rm(temp, { force: true });
        }
        emit({ type: 'saved', file: target });
        saved = true;
        break;
      } catch (error) {
        if (error instanceof LocalWriteError) throw error.fileError;
        const reason = fetchFailure(error, options.timeoutMs ?? 60_000);
        failures.push(`${url}: ${reason}`);
        emit({ type: 'failed', url, reason });
      }
    }
    if (!saved) {
      throw new DataError(
        'download-failed',
        name,
        `every mirror failed; nothing was saved:\n  ${failures.join('\n  ')}`,
      );
    }
  }
  return loadIdxDirectory(dir, {
    name: facts.name,
    numClasses: facts.numClasses,
    sha256: facts.sha256,
  });
}
