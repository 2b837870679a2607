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

    it('the sweep panel on 1 worker and on one per core', async () => {
      const browser = await launchChromium(['--disable-features=WebGPU']);
      const cores = cpus().length;
      const rates = new Map<string, number[]>();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
        for (let round = 0; round < 2; round++)
          for (const workers of [1, cores]) {
            // The first sweep starts the helpers (each loads the data and its backend); the second
            // finds them ready, as a learner's next sweep does.
            const [cold, warm] = await sweepSamplesPerSecond(page, workers);
            for (const [key, rate] of [
              [`${workers} | first sweep`, cold],
              [`${workers} | next sweep`, warm],
            ] as const)
              rates.set(key, [...(rates.get(key) ?? []), rate]);
          }
      } finally {
        await closeChromium(browser);
      }
      const best = (key: string) => Math.max(...(rates.get(key) ?? [0]));
      const ratio = best(`${cores} | next sweep`) / (cores * best('1 | next sweep'));
      console.log(
        [
          `Machine: ${cpuName()}, ${cores} logical cores; Chromium (WebGPU off), wasm, one thread per worker.`,
          `The sweep panel: ${SWEEP_RUNS} relu runs of ${SWEEP_TRAIN} examples; samples/s from "Run sweep" to its last result, two rounds:`,
          '| workers | sweep | samples/s |',
          '| --- | --- | --- |',
          ...[...rates].map(
            ([key, v]) => `| ${key} | ${v.map((r) => Math.round(r)).join(' / ')} |`,
          ),
          `${cores} workers against ${cores} × one worker's, next sweeps, best rounds: ${ratio.toFixed(2)} (goal ≥ 0.8)`,
        ].join('\n'),
      );
      for (const v of rates.values()) expect(v.every((x) => x > 0)).toBe(true);
    }, 900_000);
  },
);

const SWEEP_RUNS = 4;
const SWEEP_TRAIN = 12800;

/** A 2 × 2 sweep on `workers` workers, twice on one page: training samples per second of each. */
async function sweepSamplesPerSecond(page: Page, workers: number): Promise<[number, number]> {
  await page.goto(
    `${server.url}?lang=en&preset=relu&epochs=1&trainSize=${SWEEP_TRAIN}&testSize=200&backend=wasm&sweep=lr:0.01,0.1|momentum:0.5,0.9&seeds=1&sweepWorkers=${workers}`,
  );
  await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
  const rates: number[] = [];
  for (let sweep = 0; sweep < 2; sweep++) {
    const started = performance.now();
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await expect
      .poll(async () => (await page.locator('#sweep-status').textContent()) ?? '', {
        timeout: 600_000,
        interval: 100,
      })
      .toMatch(/^Every run of the sweep has finished/);
    rates.push((SWEEP_RUNS * SWEEP_TRAIN) / ((performance.now() - started) / 1000));
  }
  return [rates[0] ?? 0, rates[1] ?? 0];
}
