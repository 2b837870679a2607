import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataError, type DatasetFacts, type IdxFileRole } from '../index';
import { type DownloadEvent, downloadDataset, sha256Hex } from '../node';
import { tinyIdxFiles } from '../test-helpers';

const files = tinyIdxFiles();
const byName = new Map(Object.values(files).map((f) => [`${f.file}.gz`, f.bytes]));
const facts: DatasetFacts = {
  name: 'tiny',
  rows: 4,
  cols: 4,
  numClasses: 10,
  trainLabelCounts: [],
  testLabelCounts: [],
  classNames: [],
  sha256: Object.fromEntries(
    Object.entries(files).map(([role, f]) => [role, sha256Hex(f.bytes)]),
  ) as Record<IdxFileRole, string>,
};

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  // A local mirror on 127.0.0.1: /good serves the files, /corrupt flips one byte of each,
  // /drop sends half of each body and then drops the connection, anything else is a 404.
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [, mode, name] = (req.url ?? '').split('/');
    const bytes = byName.get(name ?? '');
    if (bytes === undefined || !['good', 'corrupt', 'drop'].includes(mode ?? '')) {
      res.writeHead(404).end();
      return;
    }
    const content = bytes.slice();
    if (mode === 'corrupt') content[content.length - 1] = (content.at(-1) ?? 0) ^ 0xff;
    const body = gzipSync(content);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/gzip' });
    if (mode === 'drop') {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    } else {
      res.end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'mnist-lab-cache-'));
  requests.length = 0;
});

const mirror = (mode: string) => `${base}/${mode}/`;

describe('downloadDataset (local mirror on 127.0.0.1)', () => {
  it('downloads, verifies, caches, and serves the cache next time without fetching', async () => {
    const ds = await downloadDataset({ dataset: facts, mirrors: [mirror('good')], cacheDir });
    expect(ds.train.count).toBe(12);
    expect((await readdir(join(cacheDir, 'tiny'))).sort()).toEqual(
      Object.values(files)
        .map((f) => f.file)
        .sort(),
    );
    expect(requests).toHaveLength(4);
    const events: DownloadEvent[] = [];
    await downloadDataset({
      dataset: facts,
      mirrors: [mirror('good')],
      cacheDir,
      onEvent: (e) => events.push(e),
    });
    expect(requests).toHaveLength(4);
    expect(events.map((e) => e.type)).toEqual(['cached', 'cached', 'cached', 'cached']);
  });

  it('rejects a checksum mismatch and moves on to the next mirror', async () => {
    const events: DownloadEvent[] = [];
    const ds = await downloadDataset({
      dataset: facts,
      mirrors: [mirror('corrupt'), mirror('good')],
      cacheDir,
      onEvent: (e) => events.push(e),
    });
    expect(ds.test.count).toBe(5);
    const failed = events.filter((e) => e.type === 'failed');
    expect(failed).toHaveLength(4);
    expect(failed[0]).toMatchObject({
      reason: expect.stringMatching(/^SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}$/),
    });
  });

  it('fails with every mirror named when all fail, and leaves no file behind', async () => {
    const error = await downloadDataset({
      dataset: facts,
      mirrors: [mirror('drop'), mirror('corrupt'), mirror('missing')],
      cacheDir,
    }).catch((e: unknown) => e);
    expect(DataError.isInstance(error) && error.code).toBe('download-failed');
    const message = (error as Error).message;
    expect(message).toContain('every mirror failed; nothing was saved');
    expect(message).toContain(`${base}/drop/train-images-idx3-ubyte.gz: `);
    expect(message).toContain(`${base}/corrupt/train-images-idx3-ubyte.gz: SHA-256`);
    expect(message).toContain(`${base}/missing/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(await readdir(join(cacheDir, 'tiny'))).toEqual([]);
  });

  it('recovers from a dropped connection on the next mirror', async () => {
    const ds = await downloadDataset({
      dataset: facts,
      mirrors: [mirror('drop'), mirror('good')],
      cacheDir,
    });
    expect(ds.train.count).toBe(12);
  });

  it('never trusts a corrupt file already in the cache: it downloads it again', async () => {
    await downloadDataset({ dataset: facts, mirrors: [mirror('good')], cacheDir });
    const target = join(cacheDir, 'tiny', 'train-labels-idx1-ubyte');
    await writeFile(target, files.trainLabels.bytes.subarray(0, 10));
    requests.length = 0;
    const ds = await downloadDataset({ dataset: facts, mirrors: [mirror('good')], cacheDir });
    expect(requests).toEqual(['/good/train-labels-idx1-ubyte.gz']);
    expect(ds.train.labels.length).toBe(12);
  });

  it('names the unknown dataset and the known ones', async () => {
    await expect(downloadDataset({ dataset: 'cifar', cacheDir })).rejects.toThrow(
      "unknown dataset 'cifar'; expected one of mnist, fashion-mnist",
    );
  });
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});
