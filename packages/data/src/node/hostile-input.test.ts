// Untrusted data files and mirrors: each is refused with a clear error while the process's peak
// memory stays near what a legitimate file would take. Every case runs in its own child process
// (the built package), which reports its error and its peak resident memory.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdxUint8 } from '../index';

let dir: string;
let server: Server;
let base: string;

/** An IDX header for `dims` (uint8), without data. */
const header = (dims: number[]) => encodeIdxUint8(dims, new Uint8Array(0));
/** gzip members, concatenated: what `gunzip` reads as one stream; `copies` × 256 MB of zeros. */
const zeroBomb = async (copies: number) => {
  // Compressed as a stream of 1 MB chunks: this process never holds the 256 MB (a child's peak
  // memory starts from its parent's resident memory at the fork, which would then be measured).
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (c: Buffer) => parts.push(c));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < 256; i++) if (!gzip.write(zeros)) await once(gzip, 'drain');
  gzip.end();
  await once(gzip, 'end');
  const member = Buffer.concat(parts);
  return Buffer.concat(Array.from({ length: copies }, () => member));
};

/** Runs `code` (an ES module using `@mnist-lab/data/node`) in a child; its last line is JSON. */
function child(code: string): Promise<{ error?: string; code?: string; maxRssMB: number }> {
  const script = `import * as data from '@mnist-lab/data/node';
const report = (r) => console.log(JSON.stringify({ ...r, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
try { ${code}; report({}); } catch (e) { report({ error: e.message, code: e.code, name: e.name }); }`;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_PATH: '' },
    });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    proc.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(JSON.parse(last));
    });
  });
}

beforeAll(async () => {
  // The child resolves @mnist-lab/data from the repository's node_modules.
  dir = await mkdtemp(join(process.cwd(), '.hostile-'));
  const bomb = await zeroBomb(40); // 10 GiB of zeros in ~10 MB
  // A header that declares MNIST's training images (47 MB), then 10 GiB of zeros.
  await writeFile(join(dir, 'bomb.gz'), Buffer.concat([gzipSync(header([60000, 28, 28])), bomb]));
  // The same in one gzip member (256 MB of zeros after the header): DecompressionStream in browsers
  // and Node 24 stops at the end of the first member, as the Compression Streams spec says (Node 20
  // read on), so the streams test needs the bomb inside the member.
  // Streamed, 1 MB at a time: a child's peak memory counts its parent's at the time it started.
  const zeros = Buffer.alloc(1 << 20);
  await pipeline(
    async function* () {
      yield header([60000, 28, 28]);
      for (let i = 0; i < 256; i++) yield zeros;
    },
    createGzip({ level: 9 }),
    createWriteStream(join(dir, 'bomb-one-member.gz')),
  );
  // The same member with 20 KB each of gzip header fields (extra data, a file name, a comment)
  // before its deflate data: an 8 KB probe of the file's start would see none of the IDX header.
  const member = await readFile(join(dir, 'bomb-one-member.gz'));
  const xlen = 20_000;
  const extra = Buffer.concat([Buffer.from([xlen & 0xff, xlen >> 8]), Buffer.alloc(xlen, 0x41)]);
  const name = Buffer.concat([Buffer.alloc(20_000, 0x6e), Buffer.from([0])]);
  const comment = Buffer.concat([Buffer.alloc(20_000, 0x63), Buffer.from([0])]);
  const flagged = Buffer.from(member.subarray(0, 10));
  flagged[3] = (flagged[3] as number) | 4 | 8 | 16;
  await writeFile(
    join(dir, 'bomb-long-header.gz'),
    Buffer.concat([flagged, extra, name, comment, member.subarray(10)]),
  );
  // A header that declares 10^12 bytes.
  await writeFile(join(dir, 'huge-header.gz'), gzipSync(header([100000, 100000, 100])));
  // Files that are not files: a device behind a symbolic link, and a FIFO (reading it would wait).
  await symlink('/dev/urandom', join(dir, 'urandom-idx'));
  execFileSync('mkfifo', [join(dir, 'fifo-idx')]);
  // A sparse 2 GiB file on disk: no memory until someone reads it.
  const sparse = await open(join(dir, 'sparse-idx'), 'w');
  await sparse.truncate(2 ** 31);
  await sparse.close();
  // A mirror on 127.0.0.1 that sends zeros for ever (until the client goes), and one that records
  // the paths it is asked for.
  server = createServer((req, res) => {
    if (req.url?.startsWith('/endless/')) {
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 20);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.destroy());
      pump();
      return;
    }
    if (req.url?.startsWith('/loop/')) {
      res.writeHead(302, { location: req.url }).end();
      return;
    }
    if (req.url?.startsWith('/short/')) {
      // Declares 1 MB, sends 10 bytes, closes.
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.end(Buffer.alloc(10));
      res.socket?.destroy();
      return;
    }
    if (req.url?.startsWith('/big-headers/')) {
      res.writeHead(200, { 'x-filler': 'a'.repeat(200_000) }).end();
      return;
    }
    res.writeHead(404).end(req.url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('hostile IDX files', () => {
  it('stops a gzip bomb at the size its IDX header declares (10 GiB refused within ~250 MB)', async () => {
    const r = await child(`await data.readIdxFile('bomb.gz')`);
    expect(r.code).toBe('size-mismatch');
    expect(r.error).toBe(
      'bomb.gz: decompresses past the 47040016 bytes its IDX header declares; refusing the rest',
    );
    expect(r.maxRssMB).toBeLessThan(250);
  }, 60_000);

  it('stops it there too when 60 KB of gzip header fields come before the IDX header', async () => {
    const r = await child(`await data.readIdxFile('bomb-long-header.gz')`);
    expect(r.code).toBe('size-mismatch');
    expect(r.error).toBe(
      'bomb-long-header.gz: decompresses past the 47040016 bytes its IDX header declares; refusing the rest',
    );
    expect(r.maxRssMB).toBeLessThan(250);
  }, 60_000);

  it('refuses a header that declares more than 1 GiB before inflating its data', async () => {
    const r = await child(`await data.readIdxFile('huge-header.gz')`);
    expect(r.code).toBe('too-large');
    expect(r.error).toBe(
      'huge-header.gz: the IDX header declares 1000000000016 bytes, more than the 1073741824 bytes this reader accepts',
    );
    expect(r.maxRssMB).toBeLessThan(150);
  });

  it('refuses a file on disk larger than 1 GiB without reading it', async () => {
    const r = await child(`await data.readIdxFile('sparse-idx')`);
    expect(r.code).toBe('too-large');
    expect(r.error).toBe(
      'sparse-idx: the file holds 2147483648 bytes, more than the 1073741824 bytes read for an IDX file',
    );
    expect(r.maxRssMB).toBeLessThan(150);
  });

  it.each([
    [
      'a symbolic link to /dev/urandom',
      'urandom-idx',
      'a device, not a regular file; expected an IDX file',
    ],
    [
      'a FIFO nobody writes to',
      'fifo-idx',
      'a FIFO (named pipe), not a regular file; expected an IDX file',
    ],
  ])('refuses %s at once, reading nothing', async (_name, file, message) => {
    const r = await child(`await data.readIdxFile('${file}')`);
    expect(r.code).toBe('not-found');
    expect(r.error).toBe(`${file}: ${message}`);
    expect(r.maxRssMB).toBeLessThan(150);
  });

  it('bounds the browser path (DecompressionStream) the same way', async () => {
    const r = await child(
      `const { gunzipWithStreams } = await import('@mnist-lab/data'); await gunzipWithStreams(new Uint8Array((await import('node:fs')).readFileSync('bomb-one-member.gz')), 'bomb-one-member.gz')`,
    );
    expect(r.code).toBe('size-mismatch');
    expect(r.error).toBe(
      'bomb-one-member.gz: decompresses past the 47040016 bytes its IDX header declares; refusing the rest',
    );
    expect(r.maxRssMB).toBeLessThan(300);
  }, 60_000);
});

describe('hostile mirrors', () => {
  it('cuts off a mirror that sends an endless body at the known file size, saving nothing', async () => {
    const cache = join(dir, 'cache');
    const r = await child(
      `await data.downloadDataset({ dataset: 'mnist', mirrors: ['${base}/endless/'], cacheDir: '${cache}' })`,
    );
    expect(r.code).toBe('download-failed');
    expect(r.error).toContain(
      `${base}/endless/train-images-idx3-ubyte.gz: the body grew past 47224790 bytes, more than this file can be; cut off`,
    );
    expect(r.maxRssMB).toBeLessThan(300);
    expect(await readdir(join(cache, 'mnist'))).toEqual([]);
  }, 60_000);

  it.each([
    ['loop', 'too many redirects (a redirect loop)'],
    [
      'short',
      'the connection closed after 10 of the 1048576 bytes its Content-Length header declared',
    ],
    ['big-headers', "the response's headers are larger than Node accepts (16 KB)"],
  ])(
    'says why a mirror failed (%s), not only "fetch failed"',
    async (path, reason) => {
      const r = await child(
        `await data.downloadDataset({ dataset: 'mnist', mirrors: ['${base}/${path}/'], cacheDir: 'c-${path}', timeoutMs: 20000 })`,
      );
      expect(r.code).toBe('download-failed');
      expect(r.error).toContain(`${base}/${path}/train-images-idx3-ubyte.gz: ${reason}`);
    },
    60_000,
  );

  it.each([
    ['not a url', 'not a url: not a valid URL; expected an http:// or https:// base URL'],
    ['ftp://example.org/mnist/', 'ftp://example.org/mnist/: unsupported scheme ftp:'],
  ])('refuses the mirror %j with a clear error', async (mirror, message) => {
    const r = await child(
      `await data.downloadDataset({ dataset: 'mnist', mirrors: [${JSON.stringify(mirror)}], cacheDir: 'c2' })`,
    );
    expect(r.code).toBe('bad-url');
    expect(r.error).toContain(message);
  });

  it('keeps the last path segment of a mirror given without a trailing slash', async () => {
    const r = await child(
      `await data.downloadDataset({ dataset: 'mnist', mirrors: ['${base}/some/mnist'], cacheDir: 'c3' })`,
    );
    expect(r.error).toContain(`${base}/some/mnist/train-images-idx3-ubyte.gz: HTTP 404`);
  });
});
