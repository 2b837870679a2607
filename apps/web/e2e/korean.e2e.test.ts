import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTIVATION_NAMES } from '@mnist-lab/layers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PAGE_KO } from '../src/page-ko';
import { describeInBrowser, launchChromium, useBuiltApp } from './static-server';

// The whole page in Korean: every string a reader meets (text, labels screen readers say, the
// charts' axes and legends, the form's options, the title) after a run has trained and its results
// and draw pad are shown. Names (ReLU, MNIST, PyTorch, file formats, backends) stay as they are.
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const server = useBuiltApp(artifacts);
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium(['--disable-features=WebGPU']);
});
afterAll(async () => {
  await browser?.close();
});

/** Words that are names, kept in either language (compared in lower case). */
const NAMES = new Set([
  'mnist',
  'lab',
  'relu',
  'sigmoid',
  'tanh',
  'he',
  'bn',
  'mlp',
  'pytorch',
  'tensorflow',
  'js',
  'onnx',
  'safetensors',
  'json',
  'config',
  'model',
  'net',
  'lecun',
  'xavier',
  'wasm',
  'webgpu',
  'webgl',
  'cpu',
  'gpu',
  'simd',
  'xnnpack',
  'auto',
  'backend',
  'measure',
  'mb',
  'lr',
  'english',
  'ko',
  'en',
  'std',
  'fc',
  // Activations as the form lists them (leaky-relu, gelu, …), and file and dataset names.
  ...ACTIVATION_NAMES.flatMap((name) => name.split('-')),
  'idx',
  'gzip',
  'fashion',
  'kmnist',
  'emnist',
  'sha',
  'csv',
  'jsonl',
  'results',
  'cli',
  'zip',
  'png',
  'jpeg',
]);

/** A device's own name in the backend line (`소프트웨어 어댑터(ANGLE (Google, …))`): a name. */
function withoutDeviceNames(s: string): string {
  const at = s.indexOf('어댑터(');
  if (at < 0) return s;
  let depth = 0;
  for (let i = at + 3; i < s.length; i++) {
    depth += s[i] === '(' ? 1 : s[i] === ')' ? -1 : 0;
    if (depth === 0) return withoutDeviceNames(`${s.slice(0, at + 3)}${s.slice(i + 1)}`);
  }
  return s;
}

/**
 * The whole page as one picture: the window made as tall as the page first, so that the charts
 * (which follow the window's size) are drawn at that size before the picture is taken.
 */
async function fullShot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 1000 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(artifacts, name) });
  await page.setViewportSize(size);
}

/** Every string the page shows or says, as a reader (or a screen reader) meets it. */
async function pageStrings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [document.title];
    const shown = (el: Element) =>
      el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = node.textContent?.trim() ?? '';
      // Code spans are literal names (`train/`, `config.json`), the same in every language.
      if (text === '' || el === null || el.closest('script, style, code') !== null) continue;
      // A language's own name in the switch is written in that language.
      if (el.closest('[lang="en"]') !== null && el.closest('#lang') !== null) continue;
      if (shown(el) || el.closest('legend') !== null) out.push(text);
    }
    for (const el of document.querySelectorAll('[aria-label], [title]'))
      out.push(el.getAttribute('aria-label') ?? '', el.getAttribute('title') ?? '');
    for (const option of document.querySelectorAll('option')) out.push(option.textContent ?? '');
    const lab = (window as unknown as { __lab: { chartTexts: () => string[] } }).__lab;
    out.push(...lab.chartTexts());
    return out.filter((s) => s.trim() !== '');
  });
}

/** The strings with a word of English in them that is not a name. */
const english = (strings: readonly string[]) =>
  strings.filter((s) =>
    (withoutDeviceNames(s).match(/[A-Za-z]{2,}/g) ?? []).some(
      (word) => !NAMES.has(word.toLowerCase()),
    ),
  );

describeInBrowser('the browser lab in Korean', () => {
  it('marks every static string for translation, and page-ko.ts has each and no other', () => {
    const html = readFileSync(fileURLToPath(new URL('../index.html', import.meta.url)), 'utf8');
    const keys = [...html.matchAll(/data-t(?:-label|-html)?="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(keys).size).toBeGreaterThan(40);
    expect(Object.keys(PAGE_KO).sort()).toEqual([...new Set([...keys, 'page-title'])].sort());
  });

  it('leaves no English on the page in Korean: form, run list, charts, results, draw pad', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?lang=en&epochs=1&trainSize=640&testSize=200`);
    // Switched on the page, as a reader does: then reloaded, the choice is remembered.
    await page.getByRole('button', { name: '한국어' }).click();
    await page.goto(`${server.url}?epochs=1&trainSize=640&testSize=200`);
    expect(await page.locator('html').getAttribute('lang')).toBe('ko');
    await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByRole('button', { name: '시작' }).click();
    await expect
      .poll(() => page.locator('#runs li').first().getAttribute('data-state'), { timeout: 120_000 })
      .toBe('done');
    // A second run, and both ticked: the comparison is on the page too.
    await page.locator('#lr').fill('0.1');
    await page.getByRole('button', { name: '시작' }).click();
    await expect
      .poll(() => page.locator('#runs li').nth(1).getAttribute('data-state'), { timeout: 120_000 })
      .toBe('done');
    await page.getByRole('checkbox', { name: '실행 1 비교' }).check();
    await page.getByRole('checkbox', { name: '실행 2 비교' }).check();
    expect(await page.locator('#compare tr th').nth(3).textContent()).toBe('학습률');
    await page.locator('#runs input[type="radio"]').first().check();
    await expect.poll(() => page.locator('#confusion td').count(), { timeout: 30_000 }).toBe(100);
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const pad = (await page.locator('#pad').boundingBox()) as { x: number; y: number };
    await page.mouse.move(pad.x + 140, pad.y + 60);
    await page.mouse.down();
    await page.mouse.move(pad.x + 140, pad.y + 220, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('#prediction').textContent()).toMatch(/^\d \(/);
    const details = page.locator('#backend-details');
    if (await details.isVisible()) await details.locator('summary').click();
    const heights = () =>
      page.evaluate(() =>
        ['mechanism-chart', 'loss-chart', 'accuracy-chart', 'test-loss-chart'].map(
          (id) => (document.getElementById(id) as HTMLCanvasElement).clientHeight,
        ),
      );
    // The charts drawn at their size (their words are read from Chart.js below).
    expect(Math.min(...(await heights()))).toBeGreaterThan(150);
    const strings = await pageStrings(page);
    expect(strings.length).toBeGreaterThan(100);
    expect(english(strings)).toEqual([]);
    expect(strings).toContain('스텝');
    expect(strings.join('\n')).toMatch(/실행 1: relu, 1에폭, 시드 1 — 끝남, \d+\.\d\d%/);
    await fullShot(page, 'lab-ko-desktop.png');
    // And back: the same page in English, without a reload.
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('#runs li').first().textContent()).toMatch(
      /run 1: relu, 1 epoch, seed 1 — done/,
    );
    expect(await page.locator('#experiment-h').textContent()).toBe('Experiment');
    await fullShot(page, 'lab-en-desktop.png');
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('fits a phone at 390 px in both languages: tabs on one row, the whole confusion matrix', async () => {
    const page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    for (const lang of ['en', 'ko']) {
      await page.goto(`${server.url}?lang=${lang}&epochs=1&trainSize=640&testSize=200`);
      await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 60_000 }).toBe(true);
      await page.locator('#start').click();
      await expect
        .poll(() => page.locator('#runs li').last().getAttribute('data-state'), {
          timeout: 120_000,
        })
        .toBe('done');
      await page.locator('#runs input[type="radio"]').last().check();
      await expect.poll(() => page.locator('#confusion td').count(), { timeout: 30_000 }).toBe(100);
      const tops = await page
        .locator('#chapter-tabs [role="tab"]')
        .evaluateAll((tabs) => tabs.map((t) => t.getBoundingClientRect().top));
      expect(new Set(tops).size, `${lang}: the tabs on one row`).toBe(1);
      // The confusion matrix's last column is within the screen.
      const last = await page.locator('#confusion tr:last-child td:last-child').boundingBox();
      expect((last?.x ?? 0) + (last?.width ?? 0), lang).toBeLessThanOrEqual(390);
      // Nothing wider than the screen, but within the tabs' own scrolling row.
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.parentElement?.closest('.tabs') === null)
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth)
          .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}`),
      );
      expect(wide, lang).toEqual([]);
      await fullShot(page, `lab-phone-${lang}.png`);
    }
    await page.close();
  }, 300_000);
});
