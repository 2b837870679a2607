import { MLP_SGD_STEP_KERNEL } from '@mnist-lab/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../index';
import { loadOpenBlas } from '../../openblas/openblas';
import { wasmMlpSgdStep } from './kernel';
import { openBlasProducts, xnnpackProducts } from './products';
import {
  LR,
  MOMENTUM,
  makeNet,
  type Net,
  NORM_EPS,
  NORM_MOMENTUM,
  referenceStep,
  values,
} from './reference.test-utils';

/** The kernel's six inputs of a normalized layer, and the reference's name for each. */
const NORM_NAMES = [
  ['gamma', 'g'],
  ['beta', 'be'],
  ['gammaVelocity', 'vg'],
  ['betaVelocity', 'vbe'],
  ['runningMean', 'rm'],
  ['runningVar', 'rv'],
] as const;

/** A variable alone holding its buffer, as a model's parameters and an optimizer's velocities do. */
function own(values: number[], shape?: number[]): tf.Variable {
  const t = tf.tensor(values, shape);
  const v = tf.variable(t);
  t.dispose();
  return v;
}

function kernelInputs(
  net: Net,
  widths: number[],
  x: tf.Tensor,
  labels: tf.Tensor,
  masks: number[][],
) {
  const batch = labels.shape[0] as number;
  const inputs: Record<string, tf.Tensor> = { x, labels };
  net.w.forEach((_, i) => {
    const shape = [widths[i + 1] as number, widths[i] as number];
    inputs[`weight${i}`] = own(net.w[i] as number[], shape);
    inputs[`bias${i}`] = own(net.b[i] as number[]);
    inputs[`weightVelocity${i}`] = own(net.vw[i] as number[], shape);
    inputs[`biasVelocity${i}`] = own(net.vb[i] as number[]);
  });
  net.norms.forEach((norm, i) => {
    for (const [name, key] of NORM_NAMES) inputs[`${name}${i}`] = own(norm[key]);
  });
  masks.forEach((m, i) => {
    inputs[`mask${i}`] = tf.tensor(m, [batch, widths[i + 1] as number]);
  });
  return inputs;
}

const run = (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) =>
  tf.engine().runKernel(MLP_SGD_STEP_KERNEL, inputs, attrs as never) as tf.Tensor[];

describe.each([
  ['OpenBLAS', 'require'],
  ['XNNPACK', 'off'],
] as const)('fused MLP step kernel on wasm, products on %s', (_, blas) => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', blas });
  });

  const cases = [
    { widths: [7, 5, 4, 3], activation: 'relu', dropout: true, batchNorm: false },
    { widths: [7, 5, 4, 3], activation: 'sigmoid', dropout: true, batchNorm: false },
    { widths: [9, 6, 4], activation: 'relu', dropout: false, batchNorm: false },
    { widths: [6, 3], activation: 'sigmoid', dropout: false, batchNorm: false },
    // Weights much bigger than the batch: XNNPACK's path computes x·Wᵀ as (W·xᵀ)ᵀ.
    { widths: [120, 40, 3], activation: 'relu', dropout: true, batchNorm: false },
    { widths: [7, 5, 4, 3], activation: 'relu', dropout: true, batchNorm: true },
    { widths: [7, 5, 4, 3], activation: 'sigmoid', dropout: false, batchNorm: true },
    { widths: [120, 40, 3], activation: 'relu', dropout: true, batchNorm: true },
  ] as const;
  it.each(cases)(
    'equals a float64 step written from the definitions within 1e-6, three steps in ($widths, $activation, dropout $dropout, batch norm $batchNorm)',
    ({ widths, activation, dropout, batchNorm }) => {
      const batch = 5;
      const net = makeNet([...widths], 3, batchNorm);
      const x = values(batch * (widths[0] as number), 99);
      const labels = Array.from({ length: batch }, (_, r) => (r * 2) % (widths.at(-1) as number));
      const masks = dropout
        ? widths.slice(1, -1).map((w, i) => values(batch * w, 50 + i).map((v) => (v < 0 ? 0 : 2)))
        : [];
      const inputs = kernelInputs(
        net,
        [...widths],
        tf.tensor(x, [batch, widths[0] as number]),
        tf.tensor1d(labels, 'int32'),
        masks,
      );
      const attrs = {
        layers: widths.length - 1,
        activation,
        lr: LR,
        momentum: MOMENTUM,
        ...(batchNorm ? { normEps: NORM_EPS, normMomentum: NORM_MOMENTUM } : {}),
      };
      const L = widths.length - 1;
      // Two steps first, so that the third's momentum term is not zero.
      for (let step = 0; step < 2; step++) {
        const [l, k, ...u] = run(inputs, attrs);
        // As the trainer does: each variable takes its output (the same buffer when in place).
        net.w.forEach((_, i) => {
          ['weight', 'bias', 'weightVelocity', 'biasVelocity'].forEach((name, j) => {
            (inputs[`${name}${i}`] as tf.Variable).assign(u[4 * i + j] as tf.Tensor);
          });
        });
        net.norms.forEach((_, i) => {
          NORM_NAMES.forEach(([name], j) => {
            (inputs[`${name}${i}`] as tf.Variable).assign(u[4 * L + 6 * i + j] as tf.Tensor);
          });
        });
        tf.dispose([l, k, ...u] as tf.Tensor[]);
        referenceStep(net, [...widths], x, labels, masks, activation);
      }
      const before = tf.memory().numTensors;
      const buffers = tf.engine().backend.numDataIds();
      const [loss, correct, ...updated] = run(inputs, attrs);
      const want = referenceStep(net, [...widths], x, labels, masks, activation);
      expect([loss?.dataSync()[0] as number]).toBeAllclose([want.loss], { atol: 1e-6 });
      expect(correct?.dataSync()[0]).toBe(want.correct);
      net.w.forEach((_, i) => {
        const got = updated.slice(4 * i, 4 * i + 4).map((t) => Array.from(t.dataSync()));
        const expected = [net.w[i], net.b[i], net.vw[i], net.vb[i]] as number[][];
        for (const [k, g] of got.entries()) {
          expect(g).toBeAllclose(expected[k] as number[], { atol: 1e-6 });
        }
        // Updated in place: the outputs are the variables' own buffers (on XNNPACK, the weights
        // go to new ones: it keeps a packed copy of a product's second operand per tensor).
        expect(updated[4 * i + 1]?.dataId).toBe(inputs[`bias${i}`]?.dataId);
        if (blas === 'require') expect(updated[4 * i]?.dataId).toBe(inputs[`weight${i}`]?.dataId);
        else expect(updated[4 * i]?.dataId).not.toBe(inputs[`weight${i}`]?.dataId);
      });
      expect(updated.length).toBe(4 * L + 6 * net.norms.length);
      net.norms.forEach((norm, i) => {
        NORM_NAMES.forEach(([name, key], j) => {
          const got = updated[4 * L + 6 * i + j] as tf.Tensor;
          expect(Array.from(got.dataSync()), `${name}${i}`).toBeAllclose(norm[key], {
            atol: 1e-6,
          });
          expect(got.dataId).toBe(inputs[`${name}${i}`]?.dataId);
        });
      });
      expect(tf.memory().numTensors).toBe(before + 2 + updated.length);
      // Every intermediate buffer freed: only the loss, the count and any new weights are new.
      const newWeights = blas === 'require' ? 0 : widths.length - 1;
      expect(tf.engine().backend.numDataIds()).toBe(buffers + 2 + newWeights);
      tf.dispose([loss, correct, ...updated, ...Object.values(inputs)] as tf.Tensor[]);
    },
  );

  it('writes new buffers when another tensor shares a weight buffer, leaving that tensor unchanged', () => {
    const widths = [4, 3, 2];
    const net = makeNet(widths, 5);
    const inputs = kernelInputs(net, widths, tf.ones([2, 4]), tf.tensor1d([0, 1], 'int32'), []);
    const view = tf.reshape(inputs.weight0 as tf.Tensor, [12]);
    const seen = Array.from(view.dataSync());
    const [loss, correct, ...updated] = run(inputs, {
      layers: 2,
      activation: 'relu',
      lr: LR,
      momentum: MOMENTUM,
    });
    expect(Array.from(view.dataSync())).toEqual(seen);
    expect(updated[0]?.dataId).not.toBe(inputs.weight0?.dataId);
    referenceStep(net, widths, [1, 1, 1, 1, 1, 1, 1, 1], [0, 1], [], 'relu');
    expect(Array.from(updated[0]?.dataSync() ?? [])).toBeAllclose(net.w[0] as number[], {
      atol: 1e-6,
    });
    tf.dispose([loss, correct, view, ...updated, ...Object.values(inputs)] as tf.Tensor[]);
  });

  it('names the input that is wrong: a missing one, a wrong shape, a label outside the classes', () => {
    const widths = [4, 3, 2];
    const net = makeNet(widths, 6);
    const attrs = { layers: 2, activation: 'relu', lr: LR, momentum: MOMENTUM };
    const inputs = kernelInputs(net, widths, tf.ones([2, 4]), tf.tensor1d([0, 1], 'int32'), []);
    const { biasVelocity1, ...missing } = inputs;
    expect(() => run(missing, attrs)).toThrow('input biasVelocity1 is missing');
    expect(() => tf.tidy(() => run({ ...inputs, x: tf.ones([2, 5]) }, attrs))).toThrow(
      'expected 2 rows of 4',
    );
    expect(() => tf.tidy(() => run({ ...inputs, bias0: tf.ones([4]) }, attrs))).toThrow(
      'input bias0 has shape [4], expected [3]',
    );
    expect(() => run({ ...inputs, labels: tf.tensor1d([0, 2], 'int32') }, attrs)).toThrow(
      'label 2 at row 1 is not a class in [0, 2)',
    );
    expect(() => run(inputs, { ...attrs, activation: 'tanh' })).toThrow(
      'activation must be relu or sigmoid',
    );
    tf.dispose([biasVelocity1, ...Object.values(inputs)] as tf.Tensor[]);
  });
  it('names what is wrong with random-word masks: both kinds given, no dropout, a wrong type', () => {
    const widths = [4, 3, 2];
    const net = makeNet(widths, 6);
    const attrs = { layers: 2, activation: 'relu', lr: LR, momentum: MOMENTUM, dropout: 0.5 };
    const inputs = kernelInputs(net, widths, tf.ones([2, 4]), tf.tensor1d([0, 1], 'int32'), []);
    const words = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const withWords = { ...inputs, maskBits0: words };
    const mask = tf.ones([2, 3]);
    expect(() => run({ ...withWords, mask0: mask }, attrs)).toThrow(
      'give mask{i} or maskBits{i}, not both',
    );
    expect(() => run(withWords, { ...attrs, dropout: undefined })).toThrow(
      'with maskBits{i}, dropout must be in (0, 1), got undefined',
    );
    expect(() => run({ ...inputs, maskBits0: mask }, attrs)).toThrow(
      'input maskBits0 must be int32, got float32',
    );
    tf.dispose([words, mask, ...Object.values(inputs)] as tf.Tensor[]);
  });
  it('names what is wrong with batch norm inputs: a missing one, a wrong shape, the constants, one row', () => {
    const widths = [4, 3, 2];
    const net = makeNet(widths, 7, true);
    const attrs = { layers: 2, activation: 'relu', lr: LR, momentum: MOMENTUM };
    const norm = { ...attrs, normEps: NORM_EPS, normMomentum: NORM_MOMENTUM };
    const inputs = kernelInputs(net, widths, tf.ones([2, 4]), tf.tensor1d([0, 1], 'int32'), []);
    const { runningVar0, ...missing } = inputs;
    expect(() => run(missing, norm)).toThrow('input runningVar0 is missing');
    expect(() => tf.tidy(() => run({ ...inputs, beta0: tf.ones([2]) }, norm))).toThrow(
      'input beta0 has shape [2], expected [3]',
    );
    expect(() => run(inputs, attrs)).toThrow('normEps must be > 0');
    expect(() => run(inputs, { ...norm, normMomentum: 2 })).toThrow(
      'normMomentum must be in [0, 1]',
    );
    expect(() => tf.tidy(() => run({ ...inputs, gamma1: tf.ones([2]) }, norm))).toThrow(
      'the last layer has no batch norm',
    );
    const one = { ...inputs, x: tf.ones([1, 4]), labels: tf.tensor1d([0], 'int32') };
    expect(() => run(one, norm)).toThrow('a batch of at least 2 rows');
    // Nothing changed by the calls that failed.
    expect(Array.from(inputs.runningMean0?.dataSync() ?? [])).toEqual(net.norms[0]?.rm);
    tf.dispose([runningVar0, ...Object.values(inputs), one.x, one.labels] as tf.Tensor[]);
  });
});

describe('the fused step kernel with its wasm SIMD passes and without', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', blas: 'off' });
  });

  it.each([
    ['XNNPACK', false],
    ['XNNPACK', true],
    ['OpenBLAS', false],
    ['OpenBLAS', true],
  ] as const)(
    'gives the same bits with and without SIMD, masks given or made from words (products on %s, batch norm %s), four steps in',
    async (kind, batchNorm) => {
      const products =
        kind === 'OpenBLAS'
          ? openBlasProducts(await loadOpenBlas())
          : xnnpackProducts(
              () => (tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig).kernelFunc,
            );
      // Hidden widths that SIMD takes (multiples of 4) and one it leaves to JavaScript (5).
      const widths = [24, 16, 8, 5, 10];
      const [batch, L] = [6, widths.length - 1];
      const attrs = {
        layers: L,
        activation: 'relu',
        lr: LR,
        momentum: MOMENTUM,
        ...(batchNorm ? { normEps: NORM_EPS, normMomentum: NORM_MOMENTUM } : {}),
      };
      const x = values(batch * 24, 3);
      const labels = Array.from({ length: batch }, (_, r) => (r * 3) % 10);
      // The kernel's state inputs in the order of its outputs after the loss and the count.
      const order = [
        ...widths
          .slice(1)
          .flatMap((_, i) =>
            ['weight', 'bias', 'weightVelocity', 'biasVelocity'].map((p) => `${p}${i}`),
          ),
        ...(batchNorm
          ? widths.slice(2).flatMap((_, i) => NORM_NAMES.map(([p]) => `${p}${i}`))
          : []),
      ];
      // The masks as floats, and as the random words they are made of (p = 0.2: kept where a word is
      // at least round(0.2·2³²), scaled by fl(1/0.8)).
      const words = widths
        .slice(1, -1)
        .map((w, i) =>
          Array.from({ length: batch * w }, (_, k) => Math.imul(k + 7 * i + 1, 0x9e3779b9)),
        );
      const threshold = Math.round(0.2 * 2 ** 32);
      const masks = words.map((ws) =>
        ws.map((w) => (w >>> 0 >= threshold ? Math.fround(1 / 0.8) : 0)),
      );
      const variants = [
        [true, false],
        [false, false],
        [true, true],
        [false, true],
      ] as const;
      const finals = variants.map(([simd, fromWords]) => {
        const kernel = wasmMlpSgdStep(products, simd);
        const net = makeNet(widths, 8, batchNorm);
        const inputs = kernelInputs(
          net,
          widths,
          tf.tensor(x, [batch, 24]),
          tf.tensor1d(labels, 'int32'),
          fromWords ? [] : masks,
        );
        words.forEach((ws, i) => {
          if (fromWords)
            inputs[`maskBits${i}`] = tf.tensor(ws, [batch, widths[i + 1] as number], 'int32');
        });
        const stepAttrs = fromWords ? { ...attrs, dropout: 0.2 } : attrs;
        for (let step = 0; step < 4; step++) {
          const outs = kernel({
            inputs,
            backend: tf.backend(),
            attrs: stepAttrs,
          } as never) as tf.TensorInfo[];
          const tensors = outs.map((o) => tf.engine().makeTensorFromTensorInfo(o));
          order.forEach((name, k) => {
            (inputs[name] as tf.Variable).assign(tensors[k + 2] as tf.Tensor);
          });
          tf.dispose(tensors);
        }
        const bits = order.map((name) => {
          const data = (inputs[name] as tf.Tensor).dataSync() as Float32Array;
          return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
        });
        tf.dispose(Object.values(inputs));
        return bits;
      });
      for (const k of [1, 2, 3]) expect(finals[k], `variant ${variants[k]}`).toEqual(finals[0]);
    },
  );
});
