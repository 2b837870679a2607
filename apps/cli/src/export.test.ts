// `mnist-lab export`, checked with the real runtimes users deploy with: a BatchNorm network trained
// here, exported as a TensorFlow.js LayersModel (loaded by @tensorflow/tfjs's tf.loadLayersModel
// over HTTP, as an app loads it) and as ONNX (run by onnxruntime-web, ONNX Runtime's WebAssembly
// build, the one browsers run), each scoring the whole MNIST test set: the same
// correct count as `mnist-lab evaluate` reports, within 1 of 10000.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@mnist-lab/data/node';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// ONNX Runtime on one thread: its default pool takes every core from the tests beside it.
const ONE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
let work: string;
let modelDir: string;
let evaluated: number;
const runCli = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: work, maxBuffer: 64 << 20 });
const lastJson = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;

/** The test set as float32 pixels in [0, 1], as mnist-lab feeds them, and its labels. */
async function testSet() {
  const { test } = await loadMnist();
  return { x: Float32Array.from(test.images, (v) => v / 255), labels: test.labels, n: test.count };
}

function correctCount(scores: ArrayLike<number>, labels: ArrayLike<number>, classes = 10): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((scores[i * classes + c] as number) > (scores[i * classes + best] as number)) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mnist-lab-export-'));
  modelDir = join(work, 'bn');
  const train = runCli(
    ...['train', '--preset', 'bn', '--epochs', '1', '--train-size', '6000', '--seed', '3'],
    ...['--out', modelDir, '--quiet'],
  );
  expect(train.status, train.stderr).toBe(0);
  const ev = runCli('evaluate', '--model', modelDir, '--json');
  expect(ev.status, ev.stderr).toBe(0);
  evaluated = lastJson(ev.stdout).correct as number;
}, 180_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe('mnist-lab export', () => {
  it('writes a TensorFlow.js LayersModel that tf.loadLayersModel loads over HTTP and that scores what evaluate scores (±1 of 10000)', async () => {
    const out = join(work, 'tfjs');
    const r = runCli('export', '--model', modelDir, '--format', 'tfjs', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ event: 'export', format: 'tfjs' });
    const server: Server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(out, (req.url ?? '/').slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      // tfjs's own wasm backend, as an app would set it up (none of mnist-lab's kernels).
      await tf.setBackend('wasm');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
      const model = await tf.loadLayersModel(url);
      // What the model expects travels with it: tfjs hands model.json's userDefinedMetadata back.
      expect(model.getUserDefinedMetadata()).toEqual({
        mnistLab: {
          preprocessing: expect.stringMatching(
            /each pixel byte divided by 255 .*no mean\/std normalisation/,
          ),
          classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
          dataset: 'mnist',
          producer: `mnist-lab ${version}`,
        },
      });
      const { x, labels, n } = await testSet();
      // In batches of 1000: with predict's default of 32, tfjs-wasm took 37 s for the 10000 images
      // here (2 s like this), the same scores either way.
      const scores = tf.tidy(
        () => model.predict(tf.tensor2d(x, [n, 784]), { batchSize: 1000 }) as tf.Tensor,
      );
      const correct = correctCount(await scores.data(), labels);
      scores.dispose();
      expect(Math.abs(correct - evaluated)).toBeLessThanOrEqual(1);
      expect(correct).toBeGreaterThan(8000); // a trained network, not chance
    } finally {
      server.close();
    }
  }, 120_000);

  it("writes an ONNX model that says what it expects: ONNX's own loader and checker read its metadata back", () => {
    const r = runCli(
      'export',
      '--model',
      modelDir,
      '--format',
      'onnx',
      '--out',
      join(work, 'onnx'),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^input: float32 \[N, 784\], each image's 784 pixels in row order, each pixel byte divided by 255/m,
    );
    expect(r.stdout).toContain("output: [N, 10] log-probabilities of mnist's classes: 0, 1, 2");
    // Debian's python3-onnx (scripts/setup.mjs installs it): onnx.load and the full checker.
    const read = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import json, sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(json.dumps({"producer": m.producer_name, "version": m.producer_version, "doc": m.doc_string, "props": {p.key: p.value for p in m.metadata_props}}))',
        join(work, 'onnx', 'model.onnx'),
      ],
      { encoding: 'utf8' },
    );
    expect(read.status, read.stderr).toBe(0);
    const meta = JSON.parse(read.stdout);
    expect(meta).toMatchObject({ producer: 'mnist-lab', version });
    expect(meta.doc).toMatch(
      /^An MLP trained by mnist-lab .* on mnist\. Input "input": float32 \[N, 784\], each image's 784 pixels/,
    );
    expect(JSON.parse(meta.props.class_names)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    expect(meta.props).toMatchObject({ dataset: 'mnist', producer: `mnist-lab ${version}` });
    expect(meta.props.preprocessing).toMatch(/divided by 255.*no mean\/std normalisation/);
  });

  // ONNX Runtime's WebAssembly build (what browsers run), here in Node, on one thread.
  ortWeb.env.wasm.numThreads = 1;
  it('onnxruntime-web runs the ONNX model, scoring what evaluate scores (±1 of 10000)', async () => {
    const ort = ortWeb;
    const session = await ort.InferenceSession.create(
      new Uint8Array(await readFile(join(work, 'onnx', 'model.onnx'))),
      ONE_THREAD,
    );
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    const { x, labels, n } = await testSet();
    const result = await session.run({ input: new ort.Tensor('float32', x, [n, 784]) });
    const correct = correctCount(result.output?.data as Float32Array, labels);
    expect(Math.abs(correct - evaluated)).toBeLessThanOrEqual(1);
    expect(correct).toBeGreaterThan(8000);
    // What the export's words warn of: the common MNIST normalisation on top of / 255 costs it.
    const normalised = x.map((v) => (v - 0.1307) / 0.3081);
    const off = await session.run({ input: new ort.Tensor('float32', normalised, [n, 784]) });
    expect(correctCount(off.output?.data as Float32Array, labels)).toBeLessThan(correct);
    await session.release();
  }, 120_000);

  it('refuses to overwrite an earlier export without --force, and says what tfjs cannot express', () => {
    const out = join(work, 'onnx');
    const again = runCli('export', '--model', modelDir, '--format', 'onnx', '--out', out);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already holds');
    expect(again.stderr).toContain('--force');
    expect(
      runCli('export', '--model', modelDir, '--format', 'onnx', '--out', out, '--force').status,
    ).toBe(0);
    const serlu = join(work, 'serlu');
    const t = runCli(
      ...[
        'train',
        '--activation',
        'serlu',
        '--epochs',
        '1',
        '--train-size',
        '64',
        '--test-size',
        '64',
      ],
      ...['--out', serlu, '--quiet'],
    );
    expect(t.status, t.stderr).toBe(0);
    const bad = runCli(
      'export',
      '--model',
      serlu,
      '--format',
      'tfjs',
      '--out',
      join(work, 'serlu-tfjs'),
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("no layer for the activation 'serlu'");
    expect(bad.stderr).not.toContain('    at ');
    expect(
      runCli('export', '--model', serlu, '--format', 'onnx', '--out', join(work, 'serlu-onnx'))
        .status,
    ).toBe(0);
  }, 120_000);
});
