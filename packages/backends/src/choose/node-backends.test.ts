import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend, probeBackends } from '../index';
import { NODE_AUTO_ORDER } from '../internal';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Runs a script in a plain `node` process beside the built package, with the given environment. */
async function node(args: string[], env: Record<string, string | undefined> = {}) {
  const { stdout } = await run(process.execPath, args, {
    cwd: packageDir,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

describe('initBackend (Node)', () => {
  it('tries auto in the documented order', () => {
    expect(NODE_AUTO_ORDER.map((c) => c.label)).toEqual([
      'tensorflow (tfjs-node-gpu on a CUDA GPU)',
      'webgpu (Dawn, hardware adapter)',
      'tensorflow (tfjs-node, CPU)',
      'wasm',
      'cpu',
    ]);
  });

  it('auto picks wasm here: tfjs-node(-gpu) are absent and the only adapter is software', async () => {
    const probes = await probeBackends();
    expect(probes.map((p) => [p.backend, p.available])).toEqual([
      ['tensorflow', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(probes[0]?.reason).toContain('@tensorflow/tfjs-node-gpu is not installed');
    expect(probes[2]?.reason).toContain(
      '@tensorflow/tfjs-node and @tensorflow/tfjs-node-gpu are not installed',
    );
    const report = await initBackend();
    expect(report).toMatchObject({
      backend: 'wasm',
      deviceKind: 'cpu',
      threads: 1,
      tfjsVersion: '4.22.0',
    });
    expect(tf.getBackend()).toBe('wasm');
  });

  it.each(['cpu', 'wasm'] as const)('starts %s by name with gradients registered', async (name) => {
    const report = await initBackend({ prefer: name });
    expect(report.backend).toBe(name);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.div(x, tf.scalar(2))))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(await g.data())).toEqual([0.5, 0.5, 0.5]);
    g.dispose();
  });

  it('says why an explicit backend cannot start and how to fix it', async () => {
    const tensorflow = await initBackend({ prefer: 'tensorflow' }).catch((e: unknown) => e);
    expect(BackendUnavailableError.isInstance(tensorflow)).toBe(true);
    expect((tensorflow as Error).message).toMatch(
      /not installed.*; install @tensorflow\/tfjs-node \(CPU\)/,
    );
    const unknown = await initBackend({ prefer: 'tpu' as never }).catch((e: unknown) => e);
    expect((unknown as Error).message).toBe(
      "unknown backend 'tpu'; expected one of auto, tensorflow, webgpu, wasm, cpu",
    );
  });

  it('says that webgpu has no adapter without a GPU or SwiftShader (plain node process)', async () => {
    const script =
      "import('@mnist-lab/backends').then(b => b.initBackend({ prefer: 'webgpu' })).then(() => console.log('started'), e => console.log(e.name + ': ' + e.message))";
    const out = await node(['--input-type=module', '-e', script], { VK_ICD_FILENAMES: undefined });
    expect(out).toMatch(
      /^BackendUnavailableError: backend 'webgpu' is unavailable: this machine has no GPU device/,
    );
    expect(out).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
  });

  it('registers gradients in a plain node process that imports only the built packages', async () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { initBackend } from '@mnist-lab/backends';",
      "await initBackend({ prefer: 'cpu' });",
      'const g = tf.grad((x) => tf.sum(tf.mul(tf.div(x, 2), x)))(tf.tensor1d([1, 2, 3]));',
      'console.log(JSON.stringify(Array.from(await g.data())));',
    ].join('\n');
    expect(JSON.parse(await node(['--input-type=module', '-e', script]))).toEqual([1, 2, 3]);
  });
});

describe('webgpu in Node on a software adapter (SwiftShader)', () => {
  it('runs two training steps of the lesson MLP and matches the cpu backend within 1e-4', async () => {
    const script = fileURLToPath(new URL('../../test-fixtures/mlp-step.mjs', import.meta.url));
    const [gpu, cpu] = await Promise.all([
      node([script, 'webgpu'], { VK_ICD_FILENAMES: SWIFTSHADER }),
      node([script, 'cpu']),
    ]).then((outs) => outs.map((o) => JSON.parse(o.trim().split('\n').at(-1) ?? '{}')));
    expect(gpu.report).toMatchObject({ backend: 'webgpu', deviceKind: 'software' });
    expect(gpu.report.device).toMatch(/swiftshader/i);
    expect(cpu.report.backend).toBe('cpu');
    for (const [i, loss] of (cpu.losses as number[]).entries())
      expect(Math.abs(gpu.losses[i] - loss)).toBeLessThanOrEqual(1e-4);
    let worst = 0;
    for (const [i, values] of (cpu.params as number[][]).entries()) {
      for (const [j, v] of values.entries())
        worst = Math.max(worst, Math.abs(gpu.params[i][j] - v) / Math.max(1, Math.abs(v)));
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    // 7 s alone here; in CI, beside the other suites on 2 cores, SwiftShader's threads starve: 56
    // and 96 s in one run, over 120 s in the next.
  }, 300_000);
});
