// Screenshots of the lesson's chapters for docs/screenshots/: each chapter's quick pair trained in
// Debian's headless Chromium on wasm (no WebGPU: a laptop without a GPU), at desktop (1280×1000) and
// phone (390×844) sizes, in English and Korean. Korean text needs a Hangul font (Debian:
// fonts-nanum). Run after `npm run build -w @mnist-lab/web`: node apps/web/scripts/screenshots.mjs
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const out = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
if (!/\S/.test(spawnSync('fc-list', [':lang=ko'], { encoding: 'utf8' }).stdout ?? ''))
  console.warn(
    'no Hangul font found (fc-list :lang=ko): the Korean screenshots would show boxes; apt-get install fonts-nanum',
  );
await mkdir(out, { recursive: true });
const server = await preview({ root, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'silent' });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: false,
  args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-features=WebGPU'],
});
const chapters = ['dropout', 'vanishing-gradient', 'batch-norm', 'he-init'];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${url}?lang=en`);
  await page.waitForFunction(() => !document.getElementById('chapter-quick').disabled, null, {
    timeout: 60_000,
  });
  for (const [i, claim] of chapters.entries()) {
    await page.locator(`#chapter-tab-${i}`).click();
    await page.locator('#chapter-quick').click();
    await page.waitForFunction(
      () => /done in/.test(document.getElementById('chapter-status').textContent),
      null,
      { timeout: 300_000, polling: 1000 },
    );
    for (const lang of ['en', 'ko']) {
      await page.getByRole('button', { name: lang === 'en' ? 'English' : '한국어' }).click();
      await page.locator('#lesson').screenshot({ path: `${out}lab-${i + 1}-${claim}-${lang}.png` });
    }
    await page.getByRole('button', { name: 'English' }).click();
    console.log(
      `chapter ${i + 1} (${claim}): ${await page.locator('#chapter-status').textContent()}`,
    );
  }
  const phone = await browser.newPage({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  for (const lang of ['en', 'ko']) {
    await phone.goto(`${url}?lang=${lang}`);
    await phone.waitForFunction(() => !document.getElementById('chapter-quick').disabled, null, {
      timeout: 60_000,
    });
    await phone.screenshot({ path: `${out}lab-phone-${lang}.png`, fullPage: true });
  }
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}
console.log(`screenshots in ${out}`);
