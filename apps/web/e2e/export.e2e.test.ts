import { spawnSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import type { Browser, Download } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import {
  closeChromium,
  describeInBrowser,
  launchChromium,
  serveStatic,
  useBuiltApp,
  within,
} from './static-server';

// The built app in headless Chromium: a trained run's model downloaded in each format, then
// opened by the runtimes that format is for: tfjs-layers and ONNX Runtime's WebAssembly build
// (onnxruntime-web) here in Node, and the same build in Chromium, as a web app would run it.
// ONNX Runtime on one thread: its default pool takes every core from the tests beside it.
const ONE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const artifacts = fileURLToPath(new URL('../test-artifacts/downloads/', import.meta.url));
const QUICK = '?preset=bn&epochs=1&trainSize=640&testSize=200&batchSize=32&seed=3';
const server = useBuiltApp(artifacts);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Runs the downloaded ONNX file on `x` (16 × 784) in onnxruntime-web's WebAssembly build in a
 * page of `browser`, served with it from the downloads folder; returns the output.
 */
async function runInOnnxruntimeWeb(
  browser: Browser,
  modelFile: string,
  x: number[],
): Promise<number[]> {
  // onnxruntime-web's CommonJS entry lies in its dist folder, beside the files a page loads.
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  for (const file of [
    'ort.wasm.min.mjs',
    'ort-wasm-simd-threaded.mjs',
    'ort-wasm-simd-threaded.wasm',
  ])
    await copyFile(join(ortDist, file), join(artifacts, file));
  // The page imports the library itself (vitest rewrites an import() inside page.evaluate).
  await writeFile(
    join(artifacts, 'ort.html'),
    `<!doctype html><title>ort</title><script type="module">
import * as ort from './ort.wasm.min.mjs';
ort.env.wasm.numThreads = 1;
window.ort = ort;
</script>\n`,
  );
  const ortServer = await serveStatic(artifacts);
  try {
    const page = await within(15_000, 'opening a page for onnxruntime-web', browser.newPage());
    await page.goto(`${ortServer.url}ort.html`, { timeout: 20_000 });
    await page.waitForFunction(() => 'ort' in window, undefined, { timeout: 20_000 });
    return await within(
      30_000,
      'the ONNX model run in onnxruntime-web',
      page.evaluate(
        async ([file, input]) => {
          const ort = (window as unknown as { ort: typeof import('onnxruntime-web') }).ort;
          const bytes = new Uint8Array(await (await fetch(file)).arrayBuffer());
          const session = await ort.InferenceSession.create(bytes);
          const out = await session.run({
            input: new ort.Tensor('float32', Float32Array.from(input), [16, 784]),
          });
          return Array.from(out.output?.data as Float32Array);
        },
        [basename(modelFile), x] as const,
      ),
    );
  } finally {
    await within(15_000, 'closing the onnxruntime-web server', ortServer.close());
  }
}

describeInBrowser('downloading a trained model from the browser lab', () => {
  it('saves safetensors, a TensorFlow.js LayersModel and ONNX that their runtimes open and that agree', async () => {
    const browser = await within(30_000, 'launching Chromium', launchChromium([]));
    try {
      const page = await within(
        15_000,
        'opening a page',
        browser.newPage({ viewport: { width: 1280, height: 1600 } }),
      );
      await page.goto(`${server.url}${QUICK}`, { timeout: 30_000 });
      const start = page.getByRole('button', { name: 'Start' });
      // Every wait has its own message and a timeout, summing under the test's, so that a stall
      // says where it was (two CI runs under load timed out at 240 s with no step named, the
      // second after the run, download and close waits had their own limits: the ones left were
      // saving the downloads, the runtimes and closing Chromium; a third, with those bounded too,
      // at 400 s: launching Chromium, opening pages and clicks are bounded now as well).
      await expect
        .poll(() => start.isEnabled(), { timeout: 45_000, message: 'Start enabled (data loaded)' })
        .toBe(true);
      const download = page.getByRole('button', { name: 'ONNX' });
      expect(await download.isDisabled()).toBe(true); // nothing trained yet
      await within(15_000, 'clicking Start', start.click({ timeout: 10_000 }));
      await expect
        .poll(() => page.locator('#runs li').textContent(), {
          timeout: 90_000,
          message: 'the run done',
        })
        .toMatch(/done/);
      const downloads: Download[] = [];
      page.on('download', (d) => downloads.push(d));
      for (const [button, files] of [
        ['safetensors (PyTorch)', 1],
        ['TensorFlow.js', 3],
        ['ONNX', 4],
      ] as const) {
        await within(
          15_000,
          `clicking ${button}`,
          page.getByRole('button', { name: button }).click({ timeout: 10_000 }),
        );
        await expect
          .poll(() => downloads.length, { timeout: 20_000, message: `${button} downloaded` })
          .toBe(files);
      }
      const saved: Record<string, string> = {};
      for (const file of downloads) {
        const path = join(artifacts, file.suggestedFilename());
        await within(15_000, `saving ${file.suggestedFilename()}`, file.saveAs(path));
        saved[file.suggestedFilename().replace(/^mnist-lab-run\d+-/, '')] = path;
      }
      expect(Object.keys(saved).sort()).toEqual([
        'model.json',
        'model.onnx',
        'model.safetensors',
        'weights.bin',
      ]);
      // safetensors: PyTorch's names, batch norm's running statistics included.
      const state = decodeSafetensors(await readFile(saved['model.safetensors'] as string));
      expect(Object.keys(state.tensors)).toContain('batch_norm1.running_var');
      expect(state.tensors['fc1.weight']?.shape).toEqual([512, 784]);
      // The same inputs through tfjs-layers and ONNX Runtime: the same log-probabilities.
      const json = JSON.parse(await readFile(saved['model.json'] as string, 'utf8'));
      // What the model expects travels with it (the CLI's export test reads the ONNX side back).
      expect(json.userDefinedMetadata.mnistLab).toMatchObject({
        preprocessing: expect.stringMatching(/each pixel byte divided by 255/),
        classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        dataset: 'mnist',
      });
      const onnxMeta = spawnSync(
        '/usr/bin/python3',
        [
          '-c',
          'import sys, onnx; m = onnx.load(sys.argv[1]); print({p.key: p.value for p in m.metadata_props}["dataset"])',
          saved['model.onnx'] as string,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(onnxMeta.stdout.trim(), onnxMeta.stderr).toBe('mnist');
      const bin = await readFile(saved['weights.bin'] as string);
      const model = await within(
        20_000,
        'loading the LayersModel in tfjs-layers',
        tfl.loadLayersModel(
          tf.io.fromMemory({
            modelTopology: json.modelTopology,
            weightSpecs: json.weightsManifest[0].weights,
            weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
          }),
        ),
      );
      const x = tf.randomUniform([16, 784], 0, 1, 'float32', 5);
      const viaTfjs = await within(
        20_000,
        'predicting in tfjs-layers',
        (model.predict(x) as tf.Tensor).data(),
      );
      const session = await within(
        20_000,
        'opening the ONNX model in onnxruntime-web in Node',
        ort.InferenceSession.create(await readFile(saved['model.onnx'] as string), ONE_THREAD),
      );
      const run = await within(
        20_000,
        'running the ONNX model in onnxruntime-web in Node',
        session.run({
          input: new ort.Tensor('float32', (await x.data()) as Float32Array, [16, 784]),
        }),
      );
      const viaOnnx = run.output?.data as Float32Array;
      let max = 0;
      for (let i = 0; i < viaOnnx.length; i++)
        max = Math.max(max, Math.abs((viaOnnx[i] as number) - (viaTfjs[i] as number)));
      expect(max).toBeLessThan(2e-5);
      const viaWeb = await runInOnnxruntimeWeb(
        browser,
        saved['model.onnx'] as string,
        Array.from(await x.data()),
      );
      max = 0;
      for (let i = 0; i < viaOnnx.length; i++)
        max = Math.max(max, Math.abs((viaOnnx[i] as number) - (viaWeb[i] as number)));
      expect(max).toBeLessThan(2e-5);
    } finally {
      await closeChromium(browser);
    }
  }, 460_000); // over the sum of the named waits' limits (~430 s)
});
