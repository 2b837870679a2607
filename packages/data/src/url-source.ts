import { type DatasetSplits, datasetFromIdx, type IdxFiles } from './dataset';
import { IDX_FILE_NAMES, type IdxFileRole } from './dataset-facts';
import { DataError } from './errors';
import { gunzipWithStreams, isGzip } from './gzip';
import { MAX_IDX_BYTES } from './idx-limits';

/** Options of {@link loadIdxFromUrls}. */
export interface UrlSourceOptions {
  /** The dataset's name, e.g. `mnist`. */
  readonly name: string;
  /** Labels must lie in `[0, numClasses)`. Defaults to 10. */
  readonly numClasses?: number;
  /** Called as bytes arrive: `loaded` and `total` over all four files (`total` 0 while unknown). */
  readonly onProgress?: (loaded: number, total: number) => void;
  /** The `fetch` to use. Defaults to the global one. */
  readonly fetch?: typeof fetch;
  /**
   * The most bytes one file may hold, as fetched and once decompressed (at most, and by default,
   * {@link MAX_IDX_BYTES}): a page that reads a user's files caps them at what it can hold.
   */
  readonly limit?: number;
}

/**
 * The four IDX file URLs under a base URL, with the canonical names and a `.gz` suffix (or none).
 *
 * @example idxUrls(new URL('data/mnist/', location.href), '.gz')
 */
export function idxUrls(
  base: string | URL,
  suffix: '' | '.gz' = '.gz',
): Record<IdxFileRole, string> {
  const url = (name: string) => new URL(`${name}${suffix}`, base).toString();
  return {
    trainImages: url(IDX_FILE_NAMES.trainImages),
    trainLabels: url(IDX_FILE_NAMES.trainLabels),
    testImages: url(IDX_FILE_NAMES.testImages),
    testLabels: url(IDX_FILE_NAMES.testLabels),
  };
}

/**
 * Loads a dataset from the URLs of its four IDX files (gzipped or not: detected by content), in a
 * browser or anywhere `fetch` and `DecompressionStream` exist; the same parser as every source.
 */
export async function loadIdxFromUrls(
  urls: Readonly<Record<IdxFileRole, string>>,
  options: UrlSourceOptions,
): Promise<DatasetSplits> {
  const fetchFn = options.fetch ?? fetch;
  const limit = Math.min(options.limit ?? MAX_IDX_BYTES, MAX_IDX_BYTES);
  const roles = Object.keys(IDX_FILE_NAMES) as IdxFileRole[];
  const loaded = new Map<IdxFileRole, number>();
  const totals = new Map<IdxFileRole, number>();
  const report = () => {
    const sum = (m: Map<IdxFileRole, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    options.onProgress?.(sum(loaded), totals.size === roles.length ? sum(totals) : 0);
  };
  const fetchOne = async (role: IdxFileRole) => {
    const url = urls[role];
    let response: Response;
    try {
      response = await fetchFn(url);
    } catch (cause) {
      throw new DataError('download-failed', url, `fetch failed: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (!response.ok) {
      throw new DataError(
        'not-found',
        url,
        `HTTP ${response.status} ${response.statusText}; expected 200`,
      );
    }
    totals.set(role, Number(response.headers.get('content-length') ?? 0));
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    if (reader === undefined)
      throw new DataError('download-failed', url, 'the response has no body');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        throw new DataError(
          'too-large',
          url,
          `the body grew past ${limit} bytes, more than an IDX file this reader accepts`,
        );
      }
      loaded.set(role, size);
      report();
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
    return { file: url, bytes: isGzip(bytes) ? await gunzipWithStreams(bytes, url, limit) : bytes };
  };
  const entries = await Promise.all(
    roles.map(async (role) => [role, await fetchOne(role)] as const),
  );
  return datasetFromIdx(Object.fromEntries(entries) as IdxFiles, {
    name: options.name,
    ...(options.numClasses === undefined ? {} : { numClasses: options.numClasses }),
  });
}
