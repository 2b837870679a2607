import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Serves a directory of static files on 127.0.0.1, as any static host would. */
export async function serveStatic(
  root: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      await stat(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    // Closing ends every connection too: Chromium opens sockets ahead of requests it may never
    // send, and `server.close()` alone waits for those until Node's request timeout (300 s) ends
    // them, which is how an export test once ran past its own limit with no step named.
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Set (to the reason) to skip the browser tests: CI's second pass, on Node 24, does. */
const SKIP_REASON = process.env.MNIST_LAB_SKIP_BROWSER_TESTS;

/**
 * `describe` for a file of browser tests, or, with `MNIST_LAB_SKIP_BROWSER_TESTS` set, the same
 * tests reported as skipped, the reason in their names (CI runs them once, in its Node 20 pass: they
 * test Chromium, the same on every Node).
 */
export function describeInBrowser(title: string, tests: () => void): void {
  if (SKIP_REASON) describe.skip(`${title} (skipped: ${SKIP_REASON})`, tests);
  else describe(title, tests);
}

/** The built app (`vite build`). */
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * Serves the built app from 127.0.0.1 while the calling file's tests run (and makes `artifacts`, a
 * folder for their screenshots and downloads, first): its address is `url` once they start.
 */
export function useBuiltApp(artifacts?: string): { readonly url: string } {
  let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
  beforeAll(async () => {
    server = await serveStatic(DIST);
    if (artifacts !== undefined) await mkdir(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get url() {
      if (server === undefined) throw new Error('the built app is served only while tests run');
      return server.url;
    },
  };
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUIET = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-sandbox',
  '--headless=new',
];

/** Debian's Chromium (or `CHROMIUM_PATH`), headless and quiet; Playwright gives it a fresh profile. */
export function launchChromium(args: readonly string[]): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: false, args: [...QUIET, ...args] });
}

/**
 * `promise`, or an error naming `step` once `ms` have passed without it: every wait of a long e2e
 * test bounded, so that a stall under load says where it was instead of the test's own timeout.
 */
export async function within<T>(ms: number, step: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes Chromium, or kills its process when closing takes longer than 15 s (never throws). */
export async function closeChromium(browser: Browser): Promise<void> {
  try {
    await within(15_000, 'closing Chromium', browser.close());
  } catch (error) {
    console.warn(`${(error as Error).message}; killing it`);
    (browser as unknown as { process?: () => { kill: (s: string) => void } | null })
      .process?.()
      ?.kill('SIGKILL');
  }
}

/** Draws a "1" on the page's draw pad with the mouse, top to bottom down its middle. */
export async function drawAOne(page: Page): Promise<void> {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const pad = await page.locator('#pad').boundingBox();
  if (pad === null) throw new Error('no drawing pad');
  await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++)
    await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * (0.15 + 0.07 * i));
  await page.mouse.up();
}
