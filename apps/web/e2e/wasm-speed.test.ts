import { cpus } from 'node:os';
import { cpuName } from '@mnist-lab/backends';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { closeChromium, launchChromium, useBuiltApp } from './static-server';

// `npm run bench:web`: the browser lab's own training speed on wasm, single-threaded and threaded
// (2 threads, the page isolated by its service worker), for a ReLU and a batch-norm network: each
// run's last "samples/s" after 300 steps, three rounds interleaved. A benchmark, not a test: it
// asserts only that each run finished, and the test suite reports it as skipped.

const BENCH = process.env.MNIST_LAB_WEB_BENCH === '1';
const run = (preset: string, threads: string) =>
  `?preset=${preset}&epochs=1&trainSize=9600&testSize=200&batchSize=32&seed=3&backend=wasm${threads}`;
const server = useBuiltApp();

/** Trains the page's run and returns its last samples/s. */
async function samplesPerSecond(page: Page): Promise<number> {
  await expect
    .poll(() => page.getByRole('button', { name: 'Start' }).isEnabled(), { timeout: 60_000 })
    .toBe(true);
  await page.getByRole('button', { name: 'Start' }).click();
  const progress = async () => (await page.locator('#progress').textContent()) ?? '';
  await expect.poll(progress, { timeout: 300_000 }).toMatch(/batch 300\/300/);
  return Number((await progress()).match(/(\d+) samples\/s/)?.[1]);
}

(BENCH ? describe : describe.skip)(
  `wasm training speed in the browser lab${BENCH ? '' : ' (skipped: a benchmark; npm run bench:web runs it)'}`,
  () => {
    it('single-threaded and threaded, relu and bn', async () => {
      const browser = await launchChromium(['--disable-features=WebGPU']);
      const rows = new Map<string, number[]>();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
        await page.goto(`${server.url}${run('relu', '')}`);
        await page.evaluate(() => navigator.serviceWorker.ready);
        for (let round = 0; round < 3; round++)
          for (const preset of ['relu', 'bn'])
            for (const [build, threads] of [
              ['single-threaded', ''],
              ['threaded, 2 threads', '&wasmThreads=2'],
            ] as const) {
              await page.goto(`${server.url}${run(preset, threads)}`);
              const key = `| ${preset} | ${build} |`;
              rows.set(key, [...(rows.get(key) ?? []), await samplesPerSecond(page)]);
            }
      } finally {
        await closeChromium(browser);
      }
      console.log(
        [
          `Machine: ${cpuName()}, ${cpus().length} logical cores; Chromium (WebGPU off), the page cross-origin isolated.`,
          'samples/s after 300 steps of batch 32, three rounds:',
          '| network | build | samples/s |',
          '| --- | --- | --- |',
          ...[...rows].map(([key, v]) => `${key} ${v.join(' / ')} |`),
        ].join('\n'),
      );
      for (const v of rows.values()) expect(v.every((x) => x > 0)).toBe(true);
    }, 900_000);
  },
);
