import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './index';
import { MLP_SGD_STEP_KERNEL } from './mlp-step-kernel';

const LR = 0.05;
const MOMENTUM = 0.5;

interface Net {
  w: number[][]; // per layer, [out × in] row-major
  b: number[][];
  vw: number[][];
  vb: number[][];
}

/** A deterministic pseudo-random float in [-1, 1) (no tfjs: the reference owns its inputs). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  });
}

function makeNet(widths: number[], seed: number): Net {
  const net: Net = { w: [], b: [], vw: [], vb: [] };
  for (let i = 0; i + 1 < widths.length; i++) {
    const [nIn, nOut] = [widths[i] as number, widths[i + 1] as number];
    net.w.push(values(nOut * nIn, seed + 10 * i).map((v) => Math.fround(v * 0.5)));
    net.b.push(values(nOut, seed + 10 * i + 1).map((v) => Math.fround(v * 0.1)));
    net.vw.push(values(nOut * nIn, seed + 10 * i + 2).map((v) => Math.fround(v * 0.01)));
    net.vb.push(values(nOut, seed + 10 * i + 3).map((v) => Math.fround(v * 0.01)));
  }
  return net;
}

/**
 * One step in float64, written out from the definitions: forward, mean cross-entropy of
 * softmax, backpropagation, `v = μv + g; p -= lr·v`. Mutates `net`; returns loss and correct count.
 */
function referenceStep(
  net: Net,
  widths: number[],
  x: number[],
  labels: number[],
  masks: number[][],
  activation: 'relu' | 'sigmoid',
) {
  const batch = labels.length;
  const L = net.w.length;
  const hs: number[][] = [x];
  const acts: number[][] = [];
  for (let i = 0; i < L; i++) {
    const [nIn, nOut] = [widths[i] as number, widths[i + 1] as number];
    const h = hs[i] as number[];
    const z = Array.from({ length: batch * nOut }, (_, k) => {
      const [r, o] = [Math.floor(k / nOut), k % nOut];
      let s = net.b[i]?.[o] as number;
      for (let j = 0; j < nIn; j++)
        s += (h[r * nIn + j] as number) * (net.w[i]?.[o * nIn + j] as number);
      return s;
    });
    if (i === L - 1) {
      hs.push(z);
      break;
    }
    const a = z.map((v) => (activation === 'relu' ? Math.max(v, 0) : 1 / (1 + Math.exp(-v))));
    acts.push(a);
    hs.push(a.map((v, k) => v * (masks[i]?.[k] ?? 1)));
  }
  const classes = widths[L] as number;
  const scores = hs[L] as number[];
  let loss = 0;
  let correct = 0;
  let dz = scores.map(() => 0);
  for (let r = 0; r < batch; r++) {
    const row = scores.slice(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    const y = labels[r] as number;
    loss += -(row[y] as number) + max + Math.log(sum);
    if (row.indexOf(max) === y) correct++;
    row.forEach((v, c) => {
      dz[r * classes + c] = (Math.exp(v - max) / sum - (c === y ? 1 : 0)) / batch;
    });
  }
  for (let i = L - 1; i >= 0; i--) {
    const [nIn, nOut] = [widths[i] as number, widths[i + 1] as number];
    const h = hs[i] as number[];
    const w = net.w[i] as number[];
    const dh = Array.from({ length: batch * nIn }, (_, k) => {
      const [r, j] = [Math.floor(k / nIn), k % nIn];
      let s = 0;
      for (let o = 0; o < nOut; o++) s += (dz[r * nOut + o] as number) * (w[o * nIn + j] as number);
      return s;
    });
    for (let o = 0; o < nOut; o++) {
      let gb = 0;
      for (let r = 0; r < batch; r++) gb += dz[r * nOut + o] as number;
      const vb = net.vb[i] as number[];
      vb[o] = MOMENTUM * (vb[o] as number) + gb;
      (net.b[i] as number[])[o] = (net.b[i]?.[o] as number) - LR * (vb[o] as number);
      for (let j = 0; j < nIn; j++) {
        let g = 0;
        for (let r = 0; r < batch; r++)
          g += (dz[r * nOut + o] as number) * (h[r * nIn + j] as number);
        const vw = net.vw[i] as number[];
        vw[o * nIn + j] = MOMENTUM * (vw[o * nIn + j] as number) + g;
        w[o * nIn + j] = (w[o * nIn + j] as number) - LR * (vw[o * nIn + j] as number);
      }
    }
    if (i > 0) {
      const a = acts[i - 1] as number[];
      dz = dh.map((d, k) => {
        const m = masks[i - 1]?.[k] ?? 1;
        const y = a[k] as number;
        return d * m * (activation === 'relu' ? (y > 0 ? 1 : 0) : y * (1 - y));
      });
    }
  }
  return { loss: loss / batch, correct };
}

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
    { widths: [7, 5, 4, 3], activation: 'relu', dropout: true },
    { widths: [7, 5, 4, 3], activation: 'sigmoid', dropout: true },
    { widths: [9, 6, 4], activation: 'relu', dropout: false },
    { widths: [6, 3], activation: 'sigmoid', dropout: false },
    // Weights much bigger than the batch: XNNPACK's path computes x·Wᵀ as (W·xᵀ)ᵀ.
    { widths: [120, 40, 3], activation: 'relu', dropout: true },
  ] as const;
  it.each(cases)(
    'equals a float64 step written from the definitions within 1e-6, three steps in ($widths, $activation, dropout $dropout)',
    ({ widths, activation, dropout }) => {
      const batch = 5;
      const net = makeNet([...widths], 3);
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
      const attrs = { layers: widths.length - 1, activation, lr: LR, momentum: MOMENTUM };
      // Two steps first, so that the third's momentum term is not zero.
      for (let step = 0; step < 2; step++) {
        const [l, k, ...u] = run(inputs, attrs);
        // As the trainer does: each variable takes its output (the same buffer when in place).
        net.w.forEach((_, i) => {
          ['weight', 'bias', 'weightVelocity', 'biasVelocity'].forEach((name, j) => {
            (inputs[`${name}${i}`] as tf.Variable).assign(u[4 * i + j] as tf.Tensor);
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
    expect(() => run({ ...inputs, x: tf.ones([2, 5]) }, attrs)).toThrow('expected 2 rows of 4');
    expect(() => run({ ...inputs, bias0: tf.ones([4]) }, attrs)).toThrow(
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
});
