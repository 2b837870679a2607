import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, launchChromium, useBuiltApp } from './static-server';

// Runs compared, their results downloaded in the CLI's results.jsonl format and as CSV, and the
// file opened again in another browser profile (a teacher opening a student's run). Chromium, wasm.
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const server = useBuiltApp(artifacts);
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium(['--disable-features=WebGPU']);
});
afterAll(async () => {
  await browser?.close();
});

const SMALL = 'lang=en&epochs=1&trainSize=640&testSize=200';

/** Trains one run with this learning rate and waits until it is kept in the browser. */
async function train(page: Page, lr: string, n: number) {
  await page.locator('#lr').fill(lr);
  await page.getByRole('button', { name: 'Start' }).click();
  const item = page.locator('#runs li').nth(n - 1);
  await expect.poll(() => item.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
  await expect.poll(() => item.textContent(), { timeout: 30_000 }).toMatch(/kept in this browser/);
}

/** Clicks `button` and returns what the page downloaded. */
async function download(page: Page, button: string): Promise<string> {
  const event = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  return (await event).path();
}

describeInBrowser('runs compared and handed in', () => {
  it('compares two runs, downloads their results as results.jsonl and CSV, and opens the file again elsewhere with the same numbers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`${server.url}?${SMALL}`);
    await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await train(page, '0.01', 1);
    await train(page, '0.1', 2);
    expect(await page.locator('#compare-panel').isVisible()).toBe(false);
    await page.getByRole('checkbox', { name: 'Compare run 1' }).check();
    await page.getByRole('checkbox', { name: 'Compare run 2' }).check();
    expect(await page.locator('#compare-panel').isVisible()).toBe(true);
    const table = async () =>
      (await page.locator('#compare tr').allTextContents()).map((r) => r.replace(/\s+/g, ' '));
    const shown = await table();
    // Only the setting that differs, then the figures.
    expect(shown[1]).toBe('learning rate0.010.1');
    expect(shown[2]).toMatch(/^test accuracy\d+\.\d\d%\d+\.\d\d%$/);
    const jsonl = readFileSync(await download(page, 'Download JSON'), 'utf8');
    const lines = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.spec.lr)).toEqual([0.01, 0.1]);
    for (const l of lines) {
      expect(l.id).toMatch(/^[0-9a-f]{16}$/);
      expect(l.history).toHaveLength(1);
      expect(l.testAccuracy).toBe(l.history[0].validation.accuracy);
      expect(l.worker).toBe('browser');
      expect(l.dataset.name).toBe('mnist');
    }
    // The model's SHA-256 is the downloaded model file's.
    await page.locator('#runs input[type="radio"]').nth(1).check();
    const model = readFileSync(await download(page, 'safetensors (PyTorch)'));
    expect(lines[1].modelSha256).toBe(createHash('sha256').update(model).digest('hex'));
    const csv = readFileSync(await download(page, 'Download CSV'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toMatch(
      /^id,dataset,preset,activation,.*,lr,.*,testAccuracy,testLoss,modelSha256,seconds$/,
    );
    expect(csv[2]).toContain(`${lines[1].id},mnist,relu,relu,`);
    const file = join(artifacts, 'handed-in.jsonl');
    writeFileSync(file, jsonl);
    await context.close();

    // Another profile (nothing kept): the file opens as two runs with the same figures.
    const teacher = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const other = await teacher.newPage();
    await other.goto(`${server.url}?lang=en`);
    await expect.poll(() => other.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await other.getByLabel('Open a results file').setInputFiles(file);
    await expect
      .poll(() => other.locator('#results-status').textContent())
      .toBe('handed-in.jsonl: 2 runs opened, with their curves.');
    const items = await other.locator('#runs li').allTextContents();
    expect(items.map((t) => t.replace(/ · kept.*$/, ''))).toEqual([
      expect.stringMatching(/run 1: relu, from handed-in\.jsonl — ready, \d+\.\d\d%/),
      expect.stringMatching(/run 2: relu, from handed-in\.jsonl — ready, \d+\.\d\d%/),
    ]);
    await other.getByRole('checkbox', { name: 'Compare run 1' }).check();
    await other.getByRole('checkbox', { name: 'Compare run 2' }).check();
    const again = (await other.locator('#compare tr').allTextContents()).map((r) =>
      r.replace(/\s+/g, ' '),
    );
    expect(again.slice(1)).toEqual(shown.slice(1));
    await other.locator('#compare-panel').screenshot({ path: join(artifacts, 'compare.png') });

    // A file edited to claim other settings, and one that is not results, are refused.
    const forged = JSON.stringify({ ...lines[0], spec: { ...lines[0].spec, lr: 0.5 } });
    const bad = join(artifacts, 'forged.jsonl');
    writeFileSync(bad, `${forged}\n`);
    await other.getByLabel('Open a results file').setInputFiles(bad);
    await expect
      .poll(() => other.locator('#results-status').textContent())
      .toBe("Not opened: forged.jsonl: its id is not its spec's");
    writeFileSync(bad, '{"id": 1}\n[1,2]\n');
    await other.getByLabel('Open a results file').setInputFiles(bad);
    await expect
      .poll(() => other.locator('#results-status').textContent())
      .toMatch(/^Not opened: forged\.jsonl line 1: spec: /);
    expect(await other.locator('#runs li').count()).toBe(2);
    await teacher.close();
  }, 300_000);
});
