import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  expandSweep,
  type SweepResultLine,
  summarizeSweep,
  sweepReadings,
  sweepSpecSchema,
} from '@mnist-lab/lesson';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, drawAOne, launchChromium, useBuiltApp } from './static-server';

// The sweep panel in the built app, wasm in Chromium: a 2 × 2 grid on the device's workers (two on
// a 2-core machine), each cell's test accuracy against the CLI's `sweep` of the same spec on wasm
// (the same correct counts), the readings against the lesson's words for the CLI's results, a cell
// opening its run, and the sweep's link filling the panel in a fresh page.
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const cli = fileURLToPath(new URL('../../cli/dist/cli.js', import.meta.url));
const server = useBuiltApp(artifacts);
let browser: Browser;
let work: string;
beforeAll(async () => {
  browser = await launchChromium(['--disable-features=WebGPU']);
  work = await mkdtemp(join(tmpdir(), 'mnist-lab-web-sweep-'));
});
afterAll(async () => {
  await browser?.close();
  await rm(work, { recursive: true, force: true });
});

const TEST_SIZE = 200;
const BASE = `lang=en&preset=relu&epochs=1&trainSize=640&testSize=${TEST_SIZE}&backend=wasm`;
const SWEEP = 'sweep=lr:0.01,0.1|momentum:0,0.5&seeds=1';

interface CliLine extends SweepResultLine {
  spec: { seed: number };
}

/** The CLI's sweep of the same spec on wasm (OpenBLAS off, as in a browser): its result lines. */
async function cliSweep(): Promise<CliLine[]> {
  const args = [
    ...['sweep', '--preset', 'relu', '--epochs', '1', '--train-size', '640'],
    ...['--test-size', String(TEST_SIZE), '--vary', 'lr=0.01,0.1', '--vary', 'momentum=0,0.5'],
    ...['--seeds', '1', '--backend', 'wasm', '--blas', 'off', '--out', join(work, 'sweep')],
  ];
  const done = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(done.status, done.stderr).toBe(0);
  return (await readFile(join(work, 'sweep', 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CliLine);
}

describeInBrowser('the sweep panel', () => {
  it('runs a 2 × 2 sweep on the workers with the CLI sweep’s correct counts; a cell opens its run and draw pad; its link fills the panel; Stop ends it', async () => {
    const expected = cliSweep();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
    const page = await context.newPage();
    await page.goto(`${server.url}?${BASE}&${SWEEP}`);
    expect(await page.locator('#sweep-field-1').inputValue()).toBe('lr');
    expect(await page.locator('#sweep-values-2').inputValue()).toBe('0,0.5');
    await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByRole('button', { name: 'Run sweep' }).click();
    // Queued until a worker takes it (the helpers are still loading the data): it says so.
    expect(await page.locator('#runs li').last().getAttribute('data-state')).toBe('waiting');
    expect(await page.locator('#runs li').last().textContent()).toMatch(/— waiting$/);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.locator('#sweep-status').textContent()).toContain(
      `4 runs on ${Math.min(cores, 4)} workers`,
    );
    const cells = page.locator('#sweep-heatmap td');
    await expect
      .poll(async () => (await cells.allTextContents()).filter((t) => /\d/.test(t)).length, {
        timeout: 240_000,
        message: 'every cell of the heatmap filled in',
      })
      .toBe(4);
    expect(await page.locator('#sweep-status').textContent()).toMatch(/^Every run of the sweep/);
    const lab = await page.evaluate(() =>
      (
        window as unknown as {
          __lab: {
            runs: {
              settings: { lr: number; momentum: number; seed: number };
              epochs: { validation?: { accuracy: number } }[];
            }[];
          };
        }
      ).__lab.runs.map((r) => ({
        lr: r.settings.lr,
        momentum: r.settings.momentum,
        seed: r.settings.seed,
        accuracy: r.epochs.at(-1)?.validation?.accuracy,
      })),
    );
    const cliLines = await expected;
    expect(lab).toHaveLength(4);
    for (const line of cliLines) {
      const mine = lab.find(
        (r) =>
          r.lr === line.point.lr && r.momentum === line.point.momentum && r.seed === line.spec.seed,
      );
      // Correct counts: the same model on the same 200 test images, in Chromium and in Node.
      expect(Math.round((mine?.accuracy ?? -1) * TEST_SIZE), JSON.stringify(line.point)).toBe(
        Math.round((line.testAccuracy ?? -2) * TEST_SIZE),
      );
    }
    // The readings: the lesson's sentences for these results, pointing at the panel's seeds box.
    const spec = sweepSpecSchema.parse({
      axes: [
        { field: 'lr', values: [0.01, 0.1] },
        { field: 'momentum', values: [0, 0.5] },
      ],
    });
    expect(expandSweep(spec)).toHaveLength(4);
    expect(await page.locator('#sweep-readings li').allTextContents()).toEqual(
      sweepReadings(summarizeSweep(spec, cliLines), 'en', 'lab'),
    );
    // Its results, as the CLI's results.jsonl (one line a run) and as CSV (a row a run).
    const saved = async (button: string) => {
      const event = page.waitForEvent('download');
      await page.getByRole('button', { name: button }).click();
      const file = await event;
      return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
    };
    const jsonl = await saved('Sweep results (JSON)');
    expect(jsonl.name).toBe('mnist-lab-sweep.jsonl');
    const downloaded = jsonl.text
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            spec: { lr: number; momentum: number };
            testAccuracy: number;
            dataset?: { name: string; sha256: string };
          },
      );
    expect(downloaded.map((l) => [l.spec.lr, l.spec.momentum, l.testAccuracy]).sort()).toEqual(
      lab.map((r) => [r.lr, r.momentum, r.accuracy]).sort(),
    );
    // Each run names its data, as a run of the form's does: the built-in MNIST and its SHA-256.
    const datasets = new Set(downloaded.map((l) => JSON.stringify(l.dataset)));
    expect(datasets.size).toBe(1);
    expect(downloaded[0]?.dataset).toMatchObject({
      name: 'mnist',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const csv = await saved('Sweep results (CSV)');
    expect(csv.name).toBe('mnist-lab-sweep.csv');
    expect(csv.text.trim().split('\n')).toHaveLength(5);
    // The lesson's recipe is marked; a cell opens its run.
    const lesson = page.locator('#sweep-heatmap td[data-point="lr=0.01, momentum=0.5"]');
    expect(await lesson.textContent()).toMatch(/★$/);
    const cell = page.locator('#sweep-heatmap td[data-point="lr=0.1, momentum=0"]');
    await cell.click();
    await expect.poll(() => cell.getAttribute('aria-selected')).toBe('true');
    const chosen = await page.locator('#runs li:has(input[type=radio]:checked)').textContent();
    expect(chosen).toMatch(/lr=0\.1, momentum=0\b/);
    // Its results and draw pad: the worker that trained it answers for it.
    await expect.poll(() => page.locator('#confusion tr').count(), { timeout: 30_000 }).toBe(11);
    await drawAOne(page);
    await expect
      .poll(() => page.locator('#prediction').textContent(), { timeout: 30_000 })
      .toMatch(/^\d \(\d+\.\d%\)$/);
    // The panel in both languages, on a desktop and a phone (looked at; the Korean test reads all).
    const panel = page.locator('#sweep-panel');
    await panel.screenshot({ path: join(artifacts, 'sweep-1280-en.png') });
    await page.getByRole('button', { name: '한국어' }).click();
    expect(await page.locator('#sweep-readings li').allTextContents()).toEqual(
      sweepReadings(summarizeSweep(spec, cliLines), 'ko', 'lab'),
    );
    await panel.screenshot({ path: join(artifacts, 'sweep-1280-ko.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = async (file: string) => {
      // In the page's coordinates (a bounding box is the viewport's, and the page has scrolled).
      const box = await panel.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { y: r.top + window.scrollY, height: r.height };
      });
      const clip = { x: 0, y: box.y, width: 390, height: box.height };
      await page.screenshot({ path: join(artifacts, file), fullPage: true, clip });
    };
    await phone('sweep-390-ko.png');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await page.getByRole('button', { name: 'English' }).click();
    await phone('sweep-390-en.png');
    // The link: a fresh page with the same axes and seeds.
    const href = await page.locator('#sweep-link').getAttribute('href');
    const again = await context.newPage();
    await again.goto(`${server.url}${href}`);
    expect(await again.locator('#sweep-field-2').inputValue()).toBe('momentum');
    expect(await again.locator('#sweep-values-1').inputValue()).toBe('0.01,0.1');
    expect(await again.locator('#sweep-seeds').inputValue()).toBe('1');
    // Run and stopped at once: the runs no worker has taken never start, and the panel says so.
    await expect.poll(() => again.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await again.getByRole('button', { name: 'Run sweep' }).click();
    await again.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect
      .poll(() => again.locator('#sweep-status').textContent(), { timeout: 30_000 })
      .toMatch(/^The sweep was stopped: [0-2] of its 4 runs finished\.$/);
    await again.waitForTimeout(3000);
    const states = await again
      .locator('#runs li')
      .evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.state));
    expect(states.filter((s) => s === 'stopped').length).toBeGreaterThanOrEqual(2);
    expect(states.filter((s) => s === 'running' || s === 'waiting')).toEqual([]);
    expect(await again.locator('#start').isEnabled()).toBe(true);
    await context.close();
  }, 300_000);
});
