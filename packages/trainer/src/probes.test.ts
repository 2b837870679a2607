import { createHash } from 'node:crypto';
import { initBackend } from '@mnist-lab/backends';
import { MLP_SGD_STEP_KERNEL } from '@mnist-lab/contracts';
import { Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { webgpuUnavailable } from '../../../tooling/test-backends';
import { fit, PROBE_HISTOGRAM, type ProbeRecord } from './index';
import { arraySource, loadFixture, MemoryStore, TEST_BACKENDS } from './test-utils';

interface Dist {
  mean: number;
  std: number;
  histogram?: number[];
}
interface ProbeCase {
  dims: [number, number, number, number];
  activation: 'relu' | 'sigmoid';
  batchNorm: boolean;
  lr: number;
  momentum: number;
  init: Record<string, number | number[] | number[][]>;
  steps: {
    x: number[][];
    labels: number[];
    layers: Record<
      string,
      { linear: Dist; pre?: Dist; act?: Dist; dead?: number; saturated?: number }
    >;
    gradNorm: Record<string, number>;
    weightNorm: Record<string, number>;
    updateRatio: Record<string, number | null>;
  }[];
}
const fx = loadFixture<{ cases: ProbeCase[] }>('probes');

function fixtureModel(c: ProbeCase): Mlp {
  const [inputSize, h1, h2, numClasses] = c.dims;
  const model = new Mlp({
    inputSize,
    hidden: [h1, h2],
    numClasses,
    activation: c.activation,
    dropout: 0,
    batchNorm: c.batchNorm,
  });
  const own = new Set(Object.keys(model.stateDict()));
  const init = Object.fromEntries(
    Object.entries(c.init)
      .filter(([k]) => own.has(k))
      .map(([k, v]) => [k, tf.tensor(v as number[])]),
  );
  model.loadStateDict(init, { strict: false });
  tf.dispose(Object.values(init));
  return model;
}

/** Trains the fixture's steps (one per epoch) with probes on every step; the probes and checkpoints. */
async function probedRun(c: ProbeCase, probes: boolean, fusedSteps = true) {
  const model = fixtureModel(c);
  const store = new MemoryStore();
  const seen: ProbeRecord[] = [];
  const { history } = await fit(
    model,
    arraySource((e) => [{ x: c.steps[e]?.x ?? [], y: c.steps[e]?.labels ?? [] }]),
    {
      epochs: c.steps.length,
      optimizer: { name: 'sgd', lr: c.lr, momentum: c.momentum },
      checkpoint: { store },
      fusedSteps,
      ...(probes ? { probes: { every: 1 } } : {}),
      onEvent: (e) => {
        if (e.type === 'probe') {
          const { type: _type, ...probe } = e;
          seen.push(probe);
        }
      },
    },
  );
  model.dispose();
  return { probes: seen, history, store };
}

/** Small dense networks of every kind the fused kernel takes, with dropout. */
const HASH_NETWORKS = [
  { activation: 'relu', batchNorm: false },
  { activation: 'relu', batchNorm: true },
  { activation: 'sigmoid', batchNorm: false },
] as const;
/** Two epochs of five batches of 8 rows: probes every 3 steps probe steps 0, 3, 6 and 9. */
const HASH_STEPS = 10;

/** A fixed batch of `rows` inputs in [0, 1) of 24 features, with labels 0–4. */
function hashBatch(seed: number, rows = 8): { x: number[][]; y: number[] } {
  const value = (i: number, j: number) => {
    const v = Math.sin(seed * 91.7 + i * 12.9898 + j * 78.233) * 43758.5453;
    return v - Math.floor(v);
  };
  return {
    x: Array.from({ length: rows }, (_, i) => Array.from({ length: 24 }, (_, j) => value(i, j))),
    y: Array.from({ length: rows }, (_, i) => Math.floor(value(i, 99) * 5)),
  };
}

/**
 * Trains a small network with dropout 0.5 for {@link HASH_STEPS} steps (probed every `probeEvery`
 * where given) and hashes its model file, counting the fused kernel's calls on the active backend.
 */
async function hashedRun(
  network: (typeof HASH_NETWORKS)[number],
  probeEvery: number | undefined,
  fusedSteps: boolean,
): Promise<{ hash: string; probes: number; fusedCalls: number }> {
  const backend = tf.getBackend();
  const kernel = tf.getKernel(MLP_SGD_STEP_KERNEL, backend);
  let fusedCalls = 0;
  if (kernel !== undefined) {
    tf.unregisterKernel(MLP_SGD_STEP_KERNEL, backend);
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        fusedCalls++;
        return kernel.kernelFunc(args);
      },
    });
  }
  try {
    const model = new Mlp({
      inputSize: 24,
      hidden: [16, 12],
      numClasses: 5,
      dropout: 0.5,
      seed: 7,
      ...network,
    });
    const store = new MemoryStore();
    let probes = 0;
    await fit(
      model,
      arraySource((e) => Array.from({ length: 5 }, (_, b) => hashBatch(10 * e + b))),
      {
        epochs: 2,
        optimizer: { name: 'sgd', lr: 0.05, momentum: 0.5 },
        checkpoint: { store },
        fusedSteps,
        ...(probeEvery === undefined ? {} : { probes: { every: probeEvery } }),
        onEvent: (e) => {
          if (e.type === 'probe') probes++;
        },
      },
    );
    model.dispose();
    const file = store.saved.at(-1)?.model ?? new Uint8Array();
    return { hash: createHash('sha256').update(file).digest('hex'), probes, fusedCalls };
  } finally {
    if (kernel !== undefined) {
      tf.unregisterKernel(MLP_SGD_STEP_KERNEL, backend);
      tf.registerKernel(kernel);
    }
  }
}

const orNaN = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);

// Probes on every backend: the three of the other tests, and webgpu (Dawn on SwiftShader here),
// reported as skipped with the reason where there is no adapter.
const webgpuSkip = await webgpuUnavailable();
const PROBE_BACKENDS = [...TEST_BACKENDS, { label: 'webgpu', prefer: 'webgpu' } as const];

/** The probe tests, on the backend that is active. */
function probeSuite(): void {
  for (const c of fx.cases) {
    const name = `${c.activation}${c.batchNorm ? ' + BN' : ''}`;
    it(`match PyTorch's on two training steps (${name}): distributions within 1e-5, norms within 1e-4 relative, histograms and unit fractions exactly`, async () => {
      const { probes, history } = await probedRun(c, true);
      expect(probes.map((p) => [p.epoch, p.step])).toEqual([
        [1, 0],
        [2, 1],
      ]);
      for (const [i, want] of c.steps.entries()) {
        const got = probes[i] as ProbeRecord;
        expect(Object.keys(got.layers)).toEqual(['fc1', 'fc2', 'fc3']);
        for (const [layer, w] of Object.entries(want.layers)) {
          const g = got.layers[layer];
          expect([g?.linear.mean, g?.linear.std]).toBeAllclose([w.linear.mean, w.linear.std], {
            atol: 1e-5,
            rtol: 1e-4,
          });
          for (const point of ['pre', 'act'] as const) {
            const wp = w[point];
            if (wp === undefined) {
              expect(g?.[point]).toBeUndefined();
              continue;
            }
            const gp = g?.[point];
            expect([gp?.mean, gp?.std]).toBeAllclose([wp.mean, wp.std], {
              atol: 1e-5,
              rtol: 1e-4,
            });
            expect(gp?.histogram).toEqual(wp.histogram);
            expect(gp?.histogram).toHaveLength(PROBE_HISTOGRAM.bins);
          }
          expect(g?.dead).toBe(w.dead);
          expect(g?.saturated).toBe(w.saturated);
        }
        const names = Object.keys(want.gradNorm).sort();
        expect(Object.keys(got.gradNorm).sort()).toEqual(names);
        const pick = (r: Record<string, number | null>) => names.map((n) => orNaN(r[n]));
        const tol = { atol: 1e-6, rtol: 1e-4 };
        expect(pick(got.gradNorm)).toBeAllclose(pick(want.gradNorm), tol);
        expect(pick(got.weightNorm)).toBeAllclose(pick(want.weightNorm), tol);
        const ratios = pick(got.updateRatio);
        const wantRatios = pick(want.updateRatio);
        expect(ratios.map(Number.isNaN)).toEqual(wantRatios.map(Number.isNaN));
        expect(ratios.filter((r) => !Number.isNaN(r))).toBeAllclose(
          wantRatios.filter((r) => !Number.isNaN(r)),
          { atol: 1e-7, rtol: 1e-3 },
        );
      }
      // Saved with each epoch's record, as the events had them.
      expect(history.map((h) => h.probes)).toEqual(probes.map((p) => [p]));
    }, 180_000);
  }

  it('change nothing in the training: the same model file (SHA-256), fused steps or not, with dropout and batch norm', async () => {
    // Where the backend registers the fused kernel, a probed step must still update through it
    // (its taps come from a side computation that is undone): counted below, so that this test
    // cannot pass by every step quietly falling back to tfjs's ops.
    const fusedKernel = tf.getKernel(MLP_SGD_STEP_KERNEL, tf.getBackend());
    // Without the kernel (cpu, webgpu: slow on SwiftShader) a probed step is the unfused step
    // itself: one network shows it.
    const networks = fusedKernel === undefined ? HASH_NETWORKS.slice(1, 2) : HASH_NETWORKS;
    for (const network of networks) {
      // Without the kernel (cpu, webgpu) both settings take the same unfused steps: one is enough.
      for (const fusedSteps of fusedKernel === undefined ? [false] : [true, false]) {
        const plain = await hashedRun(network, undefined, fusedSteps);
        const probed = await hashedRun(network, 3, fusedSteps);
        const label = `${JSON.stringify(network)}, fusedSteps ${fusedSteps}`;
        expect(probed.hash, label).toBe(plain.hash);
        expect(probed.probes, label).toBe(4);
        const fusedCalls = fusedSteps && fusedKernel !== undefined ? HASH_STEPS : 0;
        expect([plain.fusedCalls, probed.fusedCalls], label).toEqual([fusedCalls, fusedCalls]);
      }
    }
  }, 180_000);

  it('survive a stop and a resume mid-epoch: the same probes in the history as an uninterrupted run', async () => {
    const c = fx.cases[0] as ProbeCase;
    const batches = (e: number) =>
      [0, 1].map((b) => ({
        x: c.steps[(e + b) % 2]?.x ?? [],
        y: c.steps[(e + b) % 2]?.labels ?? [],
      }));
    const options = {
      epochs: 2,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
      probes: { every: 1 },
    } as const;
    const whole = fixtureModel(c);
    const { history } = await fit(whole, arraySource(batches), options);
    whole.dispose();
    const store = new MemoryStore();
    const controller = new AbortController();
    const first = fixtureModel(c);
    const stopped = await fit(first, arraySource(batches), {
      ...options,
      checkpoint: { store },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'probe' && e.step === 2) controller.abort();
      },
    });
    first.dispose();
    expect(stopped.reason).toBe('aborted');
    expect(store.saved.at(-1)?.position.partial.probes?.map((p) => p.step)).toEqual([2]);
    const second = fixtureModel(c);
    const resumed = await fit(second, arraySource(batches), {
      ...options,
      resume: (await store.loadLatest()) as never,
    });
    second.dispose();
    expect(resumed.history.map((h) => h.probes)).toEqual(history.map((h) => h.probes));
  }, 180_000);

  it('leak nothing: the tensor count is the same after 2 and after 6 probed epochs', async () => {
    const c = fx.cases[1] as ProbeCase;
    const counts: number[] = [];
    const model = fixtureModel(c);
    await fit(
      model,
      arraySource((e) => [
        { x: c.steps[e % 2]?.x ?? [], y: c.steps[e % 2]?.labels ?? [] },
        { x: c.steps[(e + 1) % 2]?.x ?? [], y: c.steps[(e + 1) % 2]?.labels ?? [] },
      ]),
      {
        epochs: 6,
        optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
        probes: { every: 1 },
        onEvent: (e) => {
          if (e.type === 'epoch') counts.push(tf.memory().numTensors);
        },
      },
    );
    model.dispose();
    expect(counts[5]).toBe(counts[1]);
  }, 180_000);
}

for (const { label, ...options } of PROBE_BACKENDS) {
  if (label === 'webgpu' && webgpuSkip !== undefined) {
    describe.skip(`probes [webgpu: skipped, ${webgpuSkip}]`, probeSuite);
    continue;
  }
  describe(`probes [${label}]`, () => {
    beforeAll(async () => {
      await initBackend(options);
    });
    probeSuite();
  });
}

describe('probe options', () => {
  it('refuse a cadence that is not a positive integer, naming it', async () => {
    const model = new Mlp({ inputSize: 4, hidden: [3, 3], numClasses: 2 });
    await expect(
      fit(
        model,
        arraySource(() => []),
        {
          epochs: 1,
          optimizer: { name: 'sgd', lr: 0.01 },
          probes: { every: 0 },
        },
      ),
    ).rejects.toThrow(/probes\.every must be a positive integer, got 0/);
    model.dispose();
  });
});
