import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, launchChromium, useBuiltApp } from './static-server';

// The lesson's chapters in the built app, in Debian's headless Chromium, on wasm (no WebGPU): what a
// laptop without a GPU does.
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

const server = useBuiltApp(artifacts);
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium(['--disable-features=WebGPU']);
});
afterAll(async () => {
  await browser?.close();
});

const tabs = (page: Page) => page.locator('#chapter-tabs [role="tab"]').allTextContents();
const ready = (page: Page) =>
  expect.poll(() => page.locator('#chapter-quick').isEnabled(), { timeout: 60_000 }).toBe(true);
/** The page is no wider than the screen: nothing scrolls sideways. */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describeInBrowser('the lesson in the browser lab', () => {
  it('shows the four chapters in English and in Korean, switching without a reload and keeping the choice', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}?lang=en`);
    expect(await tabs(page)).toEqual([
      '1. Dropout',
      '2. Sigmoid and ReLU',
      '3. Batch normalization',
      '4. Initialization',
    ]);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('tab', { name: '3. Batch normalization' }).click();
    expect(await page.locator('#chapter-title').textContent()).toBe('3. Batch normalization');
    expect(await page.locator('#chapter-text').textContent()).toMatch(/internal covariate shift/);
    await page.getByRole('button', { name: '한국어' }).click();
    expect(await tabs(page)).toEqual([
      '1. 드롭아웃',
      '2. 활성화 함수: 시그모이드와 ReLU',
      '3. 배치 정규화',
      '4. 초기화',
    ]);
    // The same chapter, now in Korean; the page says which language it is in.
    expect(await page.locator('#chapter-title').textContent()).toBe('3. 배치 정규화');
    expect(await page.locator('#chapter-text').textContent()).toMatch(/내부 공변량 변화/);
    expect(await page.locator('html').getAttribute('lang')).toBe('ko');
    expect(new URL(page.url()).searchParams.get('lang')).toBe('ko');
    await page.goto(server.url);
    expect(await page.locator('#chapter-title').textContent()).toBe('1. 드롭아웃');
    await page.close();
  }, 60_000);

  it("runs a chapter's pair side by side with one click, with an ETA, its mechanism chart live and readings from the numbers", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?lang=en`);
    await ready(page);
    await page.getByRole('tab', { name: '2. Sigmoid and ReLU' }).click();
    const started = Date.now();
    await page.getByRole('button', { name: 'Run this pair: 15000 examples, 2 epochs' }).click();
    // Both networks train at once, and the status gives an ETA.
    await expect
      .poll(() => page.locator('#chapter-status').textContent(), { timeout: 30_000 })
      .toMatch(/^Training relu \/ sigmoid side by side: \d+% done, about \d+ (s|min) left\.$/);
    const states = await page
      .locator('#runs li')
      .evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.state));
    expect(states).toEqual(['running', 'running']);
    // The mechanism chart fills while they train: gradient norms of fc1 and fc3 for both.
    const points = async () =>
      ((await page.locator('#mechanism-chart').getAttribute('data-series')) ?? '')
        .split('|')
        .filter((s) => s !== '');
    await expect
      .poll(async () => (await points()).filter((p) => !p.endsWith(':0')).length, {
        timeout: 30_000,
      })
      .toBe(4);
    await expect
      .poll(() => page.locator('#chapter-status').textContent(), {
        timeout: 180_000,
        interval: 500,
      })
      .toMatch(
        /^relu \/ sigmoid: done in \d+ (s|min)\. At this speed the full lesson pair takes about \d+ (s|min)\.$/,
      );
    const seconds = (Date.now() - started) / 1000;
    const final = await points();
    expect(final.map((p) => p.split(':')[0])).toEqual([
      'relu fc1',
      'relu fc3',
      'sigmoid fc1',
      'sigmoid fc3',
    ]);
    for (const p of final) expect(Number(p.split(':')[1])).toBe(38); // probes at 0, 25, ..., 925
    const readings = await page.locator('#chapter-readings li').allTextContents();
    expect(readings[0]).toMatch(
      /^Vanishing gradient: in the sigmoid network, fc1's weight gradient was [\d.]+× the size of fc3's/,
    );
    expect(readings.join(' ')).toMatch(/These runs trained 2 epochs, the lesson 10/);
    await page.screenshot({ path: join(artifacts, 'lesson-desktop-en.png'), fullPage: false });
    // The same readings, in Korean, from the same numbers.
    await page.getByRole('button', { name: '한국어' }).click();
    const ko = await page.locator('#chapter-readings li').allTextContents();
    expect(ko[0]).toMatch(
      /^기울기 소실: 시그모이드 신경망에서 fc1 가중치의 기울기는 fc3의 [\d.]+배였고/,
    );
    await page.screenshot({ path: join(artifacts, 'lesson-desktop-ko.png'), fullPage: false });
    console.log(`quick pair (sigmoid, relu) in headless Chromium on wasm: ${seconds.toFixed(0)} s`);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it("draws the initialization chapter's chart from its two pairs: He's effect without batch norm, and batch norm undoing it", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?lang=en`);
    await ready(page);
    await page.getByRole('tab', { name: '4. Initialization' }).click();
    // Before anything ran: no made-up tick values under the axis titles.
    expect(await page.locator('#mechanism-chart').getAttribute('data-series')).toBe(
      'bn (default, batch norm):0|he (He, batch norm):0|relu-no-dropout (default, no batch norm):0|relu-he-no-dropout (He, no batch norm):0',
    );
    await page.getByRole('button', { name: 'Run this pair: 15000 examples, 2 epochs' }).click();
    await expect
      .poll(() => page.locator('#chapter-status').textContent(), {
        timeout: 180_000,
        interval: 500,
      })
      .toMatch(/^bn \/ he \/ relu, no dropout \/ relu, no dropout, He: done in /);
    expect(await page.locator('#mechanism-chart').getAttribute('data-series')).toBe(
      'bn (default, batch norm):3|he (He, batch norm):3|relu-no-dropout (default, no batch norm):3|relu-he-no-dropout (He, no batch norm):3',
    );
    // The control pair trained briefly (its first step is what the chart reads).
    expect(await page.locator('#runs li').count()).toBe(4);
    const reading = (await page.locator('#chapter-readings li').allTextContents())[0] ?? '';
    // Without batch norm: PyTorch's default shrinks the spread by about √(1/6) ≈ 0.41 a layer, He's
    // keeps it about 1 (biases and one batch of 32 move both).
    const factors = reading.match(/a factor of ([\d.]+) against ([\d.]+) per layer/);
    expect(factors, reading).not.toBeNull();
    expect(Number(factors?.[1])).toBeLessThan(0.6);
    expect(Number(factors?.[2])).toBeGreaterThan(0.8);
    expect(reading).toContain(
      "with the default the spread shrank from layer to layer, with He's it stayed about the same",
    );
    // With batch norm: He's weights are √6 ≈ 2.45 times wider, and so is every layer's output, not more.
    const ratios = reading.match(/He's outputs were ([\d.]+)×, ([\d.]+)×, ([\d.]+)× the default's/);
    expect(ratios, reading).not.toBeNull();
    for (const r of ratios?.slice(1) ?? []) {
      expect(Number(r)).toBeGreaterThan(2.1);
      expect(Number(r)).toBeLessThan(2.8);
    }
    expect(reading).toContain(
      "In the lesson's network, batch norm undoes the initialization's scale.",
    );
    await page.screenshot({ path: join(artifacts, 'lesson-init-en.png'), fullPage: false });
    await page.getByRole('button', { name: '한국어' }).click();
    const ko = (await page.locator('#chapter-readings li').allTextContents())[0] ?? '';
    expect(ko).toMatch(/^He 초기화: 배치 정규화가 없을 때\(ReLU, 드롭아웃 없음\)/);
    expect(ko).toContain('레슨의 신경망에서는 배치 정규화가 초기화가 정한 크기를 지웁니다.');
    await page.screenshot({ path: join(artifacts, 'lesson-init-ko.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('fits a phone: nothing scrolls sideways at 390 px, in either language, on any chapter', async () => {
    const page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    for (const lang of ['en', 'ko']) {
      await page.goto(`${server.url}?lang=${lang}`);
      await ready(page);
      for (let i = 0; i < 4; i++) {
        await page.locator(`#chapter-tab-${i}`).click();
        expect(await overflow(page), `${lang}, chapter ${i + 1}`).toBeLessThanOrEqual(0);
      }
      await page.locator('#chapter-tab-0').click();
      await page.screenshot({ path: join(artifacts, `lesson-phone-${lang}.png`), fullPage: true });
    }
    await page.close();
  }, 120_000);
});
