import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pngGrey, zip } from '../../../packages/data/src/test-helpers';
import { describeInBrowser, launchChromium, useBuiltApp } from './static-server';

// A dataset of the user's own through the page's file input: Debian's Fashion-MNIST files (real
// bytes, as a user downloads them), then hostile files. Chromium on wasm (no WebGPU).
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const server = useBuiltApp(artifacts);
const FASHION = '/usr/share/datasets/fashion-mnist';
const fashionMissing = existsSync(FASHION)
  ? undefined
  : `${FASHION} is missing (Debian's dataset-fashion-mnist; node scripts/setup.mjs installs it)`;
const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const SMALL = 'epochs=1&trainSize=640&testSize=200';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium(['--disable-features=WebGPU']);
});
afterAll(async () => {
  await browser?.close();
});

const ready = (page: Page) =>
  expect.poll(() => page.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
const status = (page: Page) => page.locator('#dataset-status').textContent();

/** The dataset's SHA-256 as the lab defines it: of the four gunzipped files' SHA-256 lines. */
function datasetSha256(dir: string): string {
  const lines = FILES.map(
    (f) =>
      `${createHash('sha256')
        .update(gunzipSync(readFileSync(join(dir, f))))
        .digest('hex')}\n`,
  );
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/** An IDX file's header: uint8 values of these dimensions. */
function idxHeader(dims: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 8;
  head[3] = dims.length;
  for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
  return head;
}

/** Three classes of 12 pictures each (a bar, a cross, a ring, each drawn a little apart), as PNGs. */
function shapeImages(): { path: string; data: Uint8Array }[] {
  const draw = (shape: string, k: number) => {
    const px = new Uint8Array(40 * 40).fill(255);
    for (let y = 0; y < 40; y++)
      for (let x = 0; x < 40; x++) {
        const dx = x - 20 - (k % 3);
        const dy = y - 20 - (k % 4);
        const on =
          shape === 'bar'
            ? Math.abs(dx) < 3 && Math.abs(dy) < 14
            : shape === 'cross'
              ? (Math.abs(dx - dy) < 3 || Math.abs(dx + dy) < 3) && Math.abs(dx) < 12
              : Math.abs(Math.hypot(dx, dy) - 10) < 2.5;
        if (on) px[y * 40 + x] = 0;
      }
    return pngGrey(40, 40, px);
  };
  return ['bar', 'cross', 'ring'].flatMap((shape) =>
    Array.from({ length: 12 }, (_, k) => ({
      path: `${shape}/${String(k).padStart(2, '0')}.png`,
      data: draw(shape, k),
    })),
  );
}

describeInBrowser(
  `your own data in the browser lab${fashionMissing === undefined ? '' : ` [skipped: ${fashionMissing}]`}`,
  () => {
    it.skipIf(fashionMissing !== undefined)(
      "trains on Fashion-MNIST's IDX files chosen in the page, says so on the run and in its download, and names its classes",
      async () => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}?lang=en&${SMALL}`);
        await ready(page);
        await page
          .getByLabel('Dataset files')
          .setInputFiles(FILES.map((f) => join(FASHION, f)).reverse());
        await expect.poll(() => status(page), { timeout: 60_000 }).toMatch(/^Runs now train on/);
        const sha = datasetSha256(FASHION);
        await expect
          .poll(() => status(page))
          .toBe(
            `Runs now train on fashion-mnist (SHA-256 ${sha.slice(0, 16)}…). Kept in this browser: a reload starts on it, until you go back to MNIST.`,
          );
        // Kept across a reload: the page starts on it again, without choosing the files.
        await page.reload();
        await expect
          .poll(() => page.locator('#data-name').textContent(), { timeout: 60_000 })
          .toBe('fashion-mnist');
        await expect.poll(() => status(page)).toMatch(/^Runs now train on fashion-mnist \(SHA-256/);
        expect(await page.locator('#data-name').textContent()).toBe('fashion-mnist');
        expect(await page.locator('#data-text').textContent()).toBe(
          '60000 training and 10000 test images, served by this page',
        );
        await page.getByRole('button', { name: 'Start' }).click();
        const item = page.locator('#runs li').first();
        await expect.poll(() => item.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
        expect(await item.textContent()).toMatch(/run 1: relu, 1 epoch, seed 1, fashion-mnist/);
        // Its classes by name: the confusion matrix's rows, the test digits, the draw pad.
        await expect
          .poll(() => page.locator('#confusion td').count(), { timeout: 30_000 })
          .toBe(100);
        const rows = await page.locator('#confusion tr th[scope="row"]').allTextContents();
        expect(rows).toEqual([
          '0 T-shirt/top',
          '1 Trouser',
          '2 Pullover',
          '3 Dress',
          '4 Coat',
          '5 Sandal',
          '6 Shirt',
          '7 Sneaker',
          '8 Bag',
          '9 Ankle boot',
        ]);
        // Fashion-MNIST's first test image is an ankle boot.
        expect(await page.locator('#digits li').first().getAttribute('aria-label')).toMatch(
          /^an? Ankle boot, predicted /,
        );
        // The download carries the dataset: name, SHA-256 and class names.
        const download = page.waitForEvent('download');
        await page.getByRole('button', { name: 'TensorFlow.js' }).click();
        const path = await (await download).path();
        const meta = JSON.parse(readFileSync(path, 'utf8')).userDefinedMetadata.mnistLab;
        expect(meta.dataset).toBe('fashion-mnist');
        expect(meta.datasetSha256).toBe(sha);
        expect(meta.classNames[9]).toBe('Ankle boot');
        // Korean names them too.
        await page.getByRole('button', { name: '한국어' }).click();
        expect(await page.locator('#confusion tr th[scope="row"]').nth(9).textContent()).toBe(
          '9 앵클 부츠',
        );
        await page
          .locator('section', { has: page.locator('#results-h') })
          .screenshot({ path: join(artifacts, 'dataset-fashion-ko.png') });
        // Back to MNIST forgets the files: a reload starts on MNIST.
        await page.locator('#dataset-mnist').click();
        await expect
          .poll(() => page.locator('#data-name').textContent(), { timeout: 60_000 })
          .toBe('mnist');
        await page.reload();
        await ready(page);
        await page.waitForTimeout(1000);
        expect(await page.locator('#data-name').textContent()).toBe('mnist');
        expect(errors).toEqual([]);
        await page.close();
      },
      240_000,
    );

    it('refuses hostile files with the reason and keeps the dataset before: a lying header, a gzip bomb, a header past the cap, three files', async () => {
      const dir = join(artifacts, 'hostile-datasets');
      mkdirSync(dir, { recursive: true });
      const labels = (n: number) => Buffer.concat([idxHeader([n]), Buffer.alloc(n)]);
      const write = (name: string, bytes: Buffer) => {
        writeFileSync(join(dir, name), bytes);
        return join(dir, name);
      };
      const rest = [
        write('train-labels-idx1-ubyte', labels(100)),
        write(
          't10k-images-idx3-ubyte',
          Buffer.concat([idxHeader([10, 28, 28]), Buffer.alloc(7840)]),
        ),
        write('t10k-labels-idx1-ubyte', labels(10)),
      ];
      const cases: [string, Buffer, RegExp][] = [
        // Declares 100 images, holds 3.
        [
          'lying',
          Buffer.concat([idxHeader([100, 28, 28]), Buffer.alloc(3 * 784)]),
          /train-images-idx3-ubyte/,
        ],
        // 100 images declared, 64 MB of zeros inflated: cut at what the header declares.
        [
          'bomb',
          gzipSync(Buffer.concat([idxHeader([100, 28, 28]), Buffer.alloc(64 << 20)])),
          /decompresses past the 78416 bytes its IDX header declares/,
        ],
        // A header that declares 4 GB: refused before anything that size is held.
        [
          'cap',
          gzipSync(Buffer.concat([idxHeader([65535, 256, 256]), Buffer.alloc(1024)])),
          /declares \d+ bytes, more than the 268435456 bytes/,
        ],
      ];
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(`${server.url}?lang=en&${SMALL}`);
      await ready(page);
      for (const [name, bytes, reason] of cases) {
        const images = write(`${name}-train-images-idx3-ubyte`, bytes);
        await page.getByLabel('Dataset files').setInputFiles([images, ...rest]);
        await expect
          .poll(() => status(page), { timeout: 60_000 })
          .toMatch(/^Not loaded: .*\. The dataset before stays\.$/);
        expect(await status(page), name).toMatch(reason);
        expect(await page.locator('#dataset-status').getAttribute('class')).toBe('error');
        expect(await page.locator('#data-name').textContent(), name).toBe('mnist');
      }
      await page.getByLabel('Dataset files').setInputFiles(rest);
      expect(await status(page)).toMatch(/^Not loaded: expected the four IDX files/);
      // MNIST still trains.
      await page.getByRole('button', { name: 'Start' }).click();
      const item = page.locator('#runs li').first();
      await expect.poll(() => item.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
      expect(await item.textContent()).toMatch(/run 1: relu, 1 epoch, seed 1 — done/);
      await page.close();
    }, 180_000);

    it('trains on a zip of PNGs in one folder per class, keeps it across a reload, and reads the same images chosen as a folder', async () => {
      const dir = join(artifacts, 'shapes');
      const entries = shapeImages();
      for (const e of entries) {
        mkdirSync(join(dir, e.path, '..'), { recursive: true });
        writeFileSync(join(dir, e.path), e.data);
      }
      const archive = join(artifacts, 'shapes.zip');
      writeFileSync(
        archive,
        zip(entries.map((e) => ({ ...e, path: `shapes/${e.path}`, deflate: true }))),
      );
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(`${server.url}?lang=en&${SMALL}`);
      await ready(page);
      await page.getByLabel('Dataset files').setInputFiles(archive);
      // Kept in this browser like IDX files: the zip as chosen.
      await expect
        .poll(() => status(page), { timeout: 60_000 })
        .toMatch(/^Runs now train on shapes \(SHA-256 [0-9a-f]{16}…\)\. Kept in this browser/);
      const shaOf = async () => (await status(page))?.match(/SHA-256 ([0-9a-f]{16})/)?.[1];
      const fromZip = await shaOf();
      expect(await page.locator('#data-text').textContent()).toBe(
        '30 training and 6 test images, served by this page',
      );
      await page.getByRole('button', { name: 'Start' }).click();
      const item = page.locator('#runs li').first();
      await expect.poll(() => item.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
      // The form asked for 640 training examples: the run trained on the 30 there are, and says so.
      expect(await item.textContent()).toMatch(/run 1: relu, 1 epoch, seed 1, shapes — done/);
      await page.locator('#runs input[type="radio"]').first().check();
      await expect.poll(() => page.locator('#confusion td').count(), { timeout: 30_000 }).toBe(100);
      const rows = await page.locator('#confusion tr th[scope="row"]').allTextContents();
      expect(rows.slice(0, 3)).toEqual(['0 bar', '1 cross', '2 ring']);
      // After a reload the page starts on it again, converted anew: the same dataset.
      await page.reload();
      await expect
        .poll(() => page.locator('#data-name').textContent(), { timeout: 60_000 })
        .toBe('shapes');
      await expect.poll(shaOf, { timeout: 30_000 }).toBe(fromZip);
      expect(await page.locator('#data-text').textContent()).toBe(
        '30 training and 6 test images, served by this page',
      );
      // The same images as a folder: the same dataset, to the bit.
      await page.getByLabel('Dataset folder').setInputFiles(dir);
      await expect
        .poll(() => status(page), { timeout: 60_000 })
        .toMatch(/^Runs now train on shapes \(SHA-256 [0-9a-f]{16}…\)\. Kept in this browser/);
      expect(await shaOf()).toBe(fromZip);
      await page.close();
    }, 180_000);

    it('refuses a PNG bomb and a zip bomb among the images, saying which file', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(`${server.url}?lang=en&${SMALL}`);
      await ready(page);
      const good = shapeImages();
      // A PNG of 54 bytes that declares 100000 × 100000 pixels.
      const bomb = Buffer.from(pngGrey(1, 1, Uint8Array.of(0)));
      bomb.writeUInt32BE(100000, 16);
      bomb.writeUInt32BE(100000, 20);
      const cases: [string, Uint8Array, RegExp][] = [
        [
          'png-bomb.zip',
          zip([...good, { path: 'bar/huge.png', data: bomb }]),
          /bar\/huge\.png: the image declares 100000 × 100000 pixels; at most 4096 a side/,
        ],
        [
          'zip-bomb.zip',
          zip([
            ...good,
            { path: 'ring/big.png', data: new Uint8Array(64 << 20), deflate: true, declared: 1000 },
          ]),
          /zip-bomb: ring\/big\.png: inflates past the 1000 bytes the archive declares for it/,
        ],
      ];
      for (const [name, bytes, reason] of cases) {
        const file = join(artifacts, name);
        writeFileSync(file, bytes);
        await page.getByLabel('Dataset files').setInputFiles(file);
        await expect
          .poll(() => status(page), { timeout: 60_000 })
          .toMatch(/^Not loaded: .*\. The dataset before stays\.$/);
        expect(await status(page), name).toMatch(reason);
        expect(await page.locator('#data-name').textContent(), name).toBe('mnist');
      }
      await page.close();
    }, 120_000);
  },
);
