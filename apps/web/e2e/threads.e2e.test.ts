import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { closeChromium, describeInBrowser, launchChromium, useBuiltApp } from './static-server';

// The built app on a static host that sends no isolation headers: the lab's service worker adds
// them, so wasm may run threaded from the second visit on.
const QUICK = '?preset=bn&epochs=1&trainSize=640&testSize=200&batchSize=32&seed=3&backend=wasm';

const server = useBuiltApp();

/** The backend line once the page is ready to train. */
async function backendLine(page: Page): Promise<string> {
  await expect
    .poll(() => page.getByRole('button', { name: 'Start' }).isEnabled(), {
      timeout: 60_000,
      message: 'Start enabled (data loaded)',
    })
    .toBe(true);
  return ((await page.locator('#backend-status').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Trains the form's run and returns its test accuracy (`68.00%`). */
async function train(page: Page): Promise<string> {
  const done = async () =>
    (await page.locator('#runs li').allTextContents()).filter((t) => /done/.test(t)).length;
  const before = await done();
  await page.getByRole('button', { name: 'Start' }).click();
  // The page shows "—" until a run of its own ends an epoch; the list also shows runs kept from
  // earlier visits, which may appear after `before` was counted (seen in CI under load).
  const accuracy = () => page.locator('#accuracy').textContent();
  await expect
    .poll(accuracy, { timeout: 120_000, message: 'the run’s test accuracy' })
    .toMatch(/^\d+\.\d\d% \(run \d+, epoch 1\)$/);
  await expect.poll(done, { timeout: 60_000, message: 'the run done' }).toBeGreaterThan(before);
  return ((await accuracy()) ?? '').split(' ')[0] ?? '';
}

describeInBrowser('wasm threads in the browser lab', () => {
  it('runs threaded wasm once its service worker has made the page cross-origin isolated, with the same results as one thread', async () => {
    const browser = await launchChromium(['--disable-features=WebGPU']);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // First visit: no service worker yet, so no isolation: the single-threaded build.
      await page.goto(`${server.url}${QUICK}`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await backendLine(page)).toMatch(/^Backend: wasm on .*\(cpu\)/);
      const single = await train(page);
      expect(single).toMatch(/^\d+\.\d\d%$/);
      // Second visit: isolated. tfjs would run half the logical cores; below two threads the lab
      // keeps the single-threaded build.
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.reload();
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const line = await backendLine(page);
      if (cores < 4) expect(line).toMatch(/^Backend: wasm on .*\(cpu\)/);
      else expect(line).toMatch(/^Backend: wasm on .*\(cpu, \d+ threads\)/);
      // Two threads asked for: the threaded build, its workers loading tfjs's unbundled script.
      await page.goto(`${server.url}${QUICK}&wasmThreads=2`);
      expect(await backendLine(page)).toMatch(/^Backend: wasm on .*\(cpu, 2 threads\)/);
      expect(page.url()).toContain('wasmThreads=2');
      // XNNPACK splits a product's output among threads, not its sums: the same run, the same result.
      expect(await train(page)).toBe(single);
      expect(errors).toEqual([]);
    } finally {
      await closeChromium(browser);
    }
  }, 300_000);
});
