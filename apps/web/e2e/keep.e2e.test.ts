import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors } from '@mnist-lab/trainer';
import type { Download, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInBrowser, launchChromium, useBuiltApp } from './static-server';

// The built app in headless Chromium: a trained run is kept in the browser (IndexedDB) and is there
// after a reload, predicting a drawn digit exactly as before; Forget removes it for good; model
// files chosen by the user (the lab's download, a bare state dict, a file that is no model) go onto
// the draw pad or are refused with the reason.
const artifacts = fileURLToPath(new URL('../test-artifacts/keep/', import.meta.url));
const QUICK = '?preset=bn&epochs=1&trainSize=320&testSize=200&batchSize=32&seed=4';
const server = useBuiltApp(artifacts);

const runsText = (page: Page) => page.locator('#runs').textContent();

async function waitReady(page: Page) {
  const start = page.getByRole('button', { name: 'Start' });
  await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
}

/** Draws the same "7" each time; returns the ten probabilities the page shows for it. */
async function drawSeven(page: Page): Promise<string | null> {
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const pad = await page.locator('#pad').boundingBox();
  if (pad === null) throw new Error('no drawing pad');
  const at = (x: number, y: number) =>
    page.mouse.move(pad.x + pad.width * x, pad.y + pad.height * y);
  await at(0.25, 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await at(0.25 + 0.06 * i, 0.2);
  for (let i = 1; i <= 10; i++) await at(0.73 - 0.03 * i, 0.2 + 0.065 * i);
  await page.mouse.up();
  // The stroke's last prediction: asked within a frame of the pointer's release, then answered.
  await page.evaluate(
    () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
  );
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            document.getElementById('prediction')?.dataset.answered ===
            document.getElementById('pad')?.dataset.requested,
        ),
      { timeout: 30_000 },
    )
    .toBe(true);
  return page.locator('#probabilities').textContent();
}

describeInBrowser('keeping models in the browser and loading model files', () => {
  it('keeps a trained run across reloads until forgotten, and puts model files on the draw pad', async () => {
    const browser = await launchChromium([]);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}${QUICK}`);
      await waitReady(page);
      expect(await page.locator('#runs li').count()).toBe(0);
      await page.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(() => runsText(page), { timeout: 120_000 })
        .toMatch(/run 1: bn, 1 epoch, seed 4 — done, \d+\.\d\d% · kept in this browser/);
      const trained = await runsText(page);
      const before = await drawSeven(page);
      const downloads: Download[] = [];
      page.on('download', (d) => downloads.push(d));
      await page.getByRole('button', { name: 'safetensors (PyTorch)' }).click();
      await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(1);
      const labFile = join(artifacts, 'lab.safetensors');
      await downloads[0]?.saveAs(labFile);

      // After a reload: the same run, its accuracy, its results and the same predictions.
      await page.reload();
      await waitReady(page);
      await expect.poll(() => runsText(page), { timeout: 30_000 }).toBe(trained);
      await expect.poll(() => page.locator('#confusion tr').count(), { timeout: 30_000 }).toBe(11);
      expect(await drawSeven(page)).toBe(before);
      // The kept run's training is drawn again (its losses per step).
      const kept = await page.evaluate(
        () => (window as unknown as { __lab: { runs: { losses: unknown[] }[] } }).__lab.runs,
      );
      expect(kept[0]?.losses.length).toBe(10);

      // A model file from the lab's download: a new run, ready, predicting as the trained one.
      const chooser = page.locator('#model-file');
      await chooser.setInputFiles(labFile);
      await expect
        .poll(() => runsText(page), { timeout: 30_000 })
        .toMatch(/run 2: relu, from lab\.safetensors — ready · kept in this browser/);
      expect(await page.locator('#model-file-status').textContent()).toBe(
        'lab.safetensors: 784-512-256-10 relu with batch norm. Draw a digit.',
      );
      expect(await drawSeven(page)).toBe(before);
      // The same tensors without the lab's metadata, as PyTorch writes them: shapes, and the form's activation.
      const { tensors } = decodeSafetensors(new Uint8Array(await readFile(labFile)));
      const bare = join(artifacts, 'net.safetensors');
      await writeFile(bare, encodeSafetensors(tensors, { format: 'pt' }));
      await chooser.setInputFiles(bare);
      await expect
        .poll(() => runsText(page), { timeout: 30_000 })
        .toMatch(/run 3: relu, from net\.safetensors — ready/);
      expect(await page.locator('#model-file-status').textContent()).toContain(
        "the file does not name its activation, so the form's (relu) is used",
      );
      expect(await drawSeven(page)).toBe(before);
      // A file that is no model: refused beside the chooser, no run added.
      const junk = join(artifacts, 'notes.safetensors');
      await writeFile(junk, 'these are notes, not a model');
      await chooser.setInputFiles(junk);
      await expect
        .poll(() => page.locator('#model-file-status').textContent(), { timeout: 30_000 })
        .toMatch(/^notes\.safetensors.*expected a \.safetensors model file/);
      expect(await page.locator('#model-file-status').getAttribute('class')).toContain('error');
      expect(await page.locator('#runs li').count()).toBe(3);

      // Forget: gone now and after a reload.
      // One at a time, each seen gone before the next click (three quick clicks under CI load
      // once hit a row the list was just replacing, and one run stayed).
      for (let left = 3; left > 0; left--) {
        await page.locator('#runs li').first().getByRole('button', { name: 'Forget' }).click();
        await expect
          .poll(() => page.locator('#runs li').count(), { timeout: 15_000 })
          .toBe(left - 1);
      }
      await page.reload();
      await waitReady(page);
      await page.waitForTimeout(1000);
      expect(await page.locator('#runs li').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('lists kept runs without reading their models, reads one when opened, and keeps no more than its limit', async () => {
    const browser = await launchChromium([]);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      await page.goto(`${server.url}${QUICK}`);
      await waitReady(page);
      // Fifty kept runs, as metadata, each with a model of 16 MB that was never read.
      await page.evaluate(async () => {
        const db = await new Promise<IDBDatabase>((done, fail) => {
          const r = indexedDB.open('mnist-lab');
          r.onsuccess = () => done(r.result);
          r.onerror = () => fail(r.error);
        });
        const tx = db.transaction(['kept-runs', 'kept-models'], 'readwrite');
        const config = {
          inputSize: 784,
          hidden: [8],
          numClasses: 10,
          activation: 'relu',
          dropout: 0,
          batchNorm: false,
          init: 'torch-default',
          output: 'log-softmax',
          seed: 1,
        };
        for (let i = 0; i < 50; i++) {
          const add = tx.objectStore('kept-runs').add({
            label: `old ${i}`,
            keptAt: i,
            config,
            epochs: [],
            losses: [],
            modelBytes: 16 << 20,
            file: `old-${i}.safetensors`,
          });
          add.onsuccess = () =>
            tx.objectStore('kept-models').put(new Uint8Array(16 << 20), add.result);
        }
        await new Promise((done) => {
          tx.oncomplete = done;
        });
        db.close();
      });
      // Listed from metadata: 800 MB of models are not read (the tab's memory stays low). Only the
      // newest, opened at once, is read (and refused: its bytes are no model).
      await page.reload();
      await waitReady(page);
      await expect.poll(() => page.locator('#runs li').count(), { timeout: 30_000 }).toBe(50);
      const heap = await page.evaluate(
        () =>
          (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
            ?.usedJSHeapSize ?? 0,
      );
      // Chromium says its heap (a 0 would mean no reading, and this check nothing).
      expect(heap).toBeGreaterThan(0);
      expect(heap).toBeLessThan(200 << 20);
      // A run trained now is not kept: the limit, said beside the chooser.
      await page.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(() => page.locator('#model-file-status').textContent(), { timeout: 120_000 })
        .toMatch(
          /could not be kept in this browser: the lab keeps at most 50 runs and 256 MB of models in this browser \(it keeps 50 runs, 800 MB\); forget some to keep more/,
        );
    } finally {
      await browser.close();
    }
  }, 300_000);
});
