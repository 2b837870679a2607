import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, idxUrls, loadIdxFromUrls } from './index';
import { tinyIdxFiles } from './test-helpers';

const files = tinyIdxFiles();
let server: Server;
let base: string;

beforeAll(async () => {
  // Serves the tiny dataset gzipped under /gz/ and plain under /plain/, as a static host would.
  const routes = new Map<string, Uint8Array>();
  for (const f of Object.values(files)) {
    routes.set(`/gz/${f.file}.gz`, gzipSync(f.bytes));
    routes.set(`/plain/${f.file}`, f.bytes);
  }
  server = createServer((req, res) => {
    const body = routes.get(req.url ?? '');
    if (body === undefined) res.writeHead(404, 'Not Found').end();
    else res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('loadIdxFromUrls (fetch + DecompressionStream, as in the browser)', () => {
  it('loads gzipped files and reports progress up to the total size', async () => {
    const progress: [number, number][] = [];
    const ds = await loadIdxFromUrls(idxUrls(`${base}/gz/`, '.gz'), {
      name: 'tiny',
      onProgress: (loaded, total) => progress.push([loaded, total]),
    });
    expect(ds.train.count).toBe(12);
    expect(Array.from(ds.test.images)).toEqual(Array.from(files.testImages.bytes.subarray(16)));
    const last = progress.at(-1);
    expect(last?.[0]).toBe(last?.[1]);
    expect(last?.[0]).toBeGreaterThan(0);
  });

  it("refuses a file past the caller's limit, fetched or once decompressed, naming it", async () => {
    // The tiny train images are 16 + 12 × 4 × 4 = 208 bytes, the other files at most 96: a limit
    // of 150 refuses the train images only.
    for (const dir of ['gz', 'plain'] as const) {
      const error = await loadIdxFromUrls(idxUrls(`${base}/${dir}/`, dir === 'gz' ? '.gz' : ''), {
        name: 'tiny',
        limit: 150,
      }).catch((e: unknown) => e);
      expect(DataError.isInstance(error), dir).toBe(true);
      expect((error as DataError).message).toMatch(/train-images-idx3-ubyte.*150 bytes/);
    }
  });

  it('loads uncompressed files', async () => {
    const ds = await loadIdxFromUrls(idxUrls(`${base}/plain/`, ''), { name: 'tiny' });
    expect(ds.test.count).toBe(5);
  });

  it('names the URL that answered 404', async () => {
    const urls = { ...idxUrls(`${base}/gz/`, '.gz'), testLabels: `${base}/nope` };
    const error = await loadIdxFromUrls(urls, { name: 'tiny' }).catch((e: unknown) => e);
    expect(DataError.isInstance(error) && error.code).toBe('not-found');
    expect((error as Error).message).toBe(`${base}/nope: HTTP 404 Not Found; expected 200`);
  });
});
