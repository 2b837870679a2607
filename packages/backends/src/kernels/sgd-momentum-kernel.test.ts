import { SGD_MOMENTUM_KERNEL } from '@mnist-lab/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../index';

const LR = 0.01;
const MOMENTUM = 0.5;

/** v' = μv + g, p' = p − lr·v', in float64: PyTorch's SGD step. */
function closedForm(p: Float32Array, v: Float32Array, g: Float32Array) {
  const v2 = Array.from(v, (x, i) => MOMENTUM * x + (g[i] as number));
  return { v: v2, p: Array.from(p, (x, i) => x - LR * (v2[i] as number)) };
}

/** A variable that alone holds its buffer, as a model's parameters and an optimizer's velocities do. */
function variable(shape: number[], seed: number): tf.Variable {
  const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const v = tf.variable(t);
  t.dispose();
  return v;
}

function step(p: tf.Variable, v: tf.Variable, g: tf.Tensor) {
  tf.tidy(() => {
    const [v2, p2] = tf
      .engine()
      .runKernel(
        SGD_MOMENTUM_KERNEL,
        { value: p, accumulation: v, gradient: g },
        { lr: LR, momentum: MOMENTUM },
      ) as tf.Tensor[];
    v.assign(v2 as tf.Tensor);
    p.assign(p2 as tf.Tensor);
  });
}

describe.each([
  ['OpenBLAS', 'require'],
  ['wasm SIMD, without OpenBLAS', 'off'],
] as const)('fused SGD-momentum kernel on wasm (%s)', (_, blas) => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', blas });
  });

  it('updates in place when only the variables hold their buffers (the value in a new one on XNNPACK), equal to the closed form within 1e-6', () => {
    const p = variable([300, 7], 1);
    const v = variable([300, 7], 2);
    const g = tf.randomNormal([300, 7], 0, 1, 'float32', 3);
    const expected = closedForm(
      p.dataSync() as Float32Array,
      v.dataSync() as Float32Array,
      g.dataSync() as Float32Array,
    );
    const [pId, vId] = [p.dataId, v.dataId];
    const before = tf.memory();
    step(p, v, g);
    expect(v.dataId).toBe(vId);
    // Without OpenBLAS the products are XNNPACK's, which keeps a packed copy of a weight per
    // tensor: the value moves to a new buffer (the old one freed), never changed in place.
    if (blas === 'require') expect(p.dataId).toBe(pId);
    else expect(p.dataId).not.toBe(pId);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(v.dataSync()).toBeAllclose(expected.v, { atol: 1e-6 });
    expect(p.dataSync()).toBeAllclose(expected.p, { atol: 1e-6 });
    tf.dispose([p, v, g]);
  });

  it('writes new buffers when another tensor shares one, leaving that tensor unchanged', () => {
    const p = variable([64], 4);
    const v = variable([64], 5);
    const g = tf.randomNormal([64], 0, 1, 'float32', 6);
    const view = tf.reshape(p, [8, 8]); // shares p's buffer
    const seen = Array.from(view.dataSync());
    const expected = closedForm(
      p.dataSync() as Float32Array,
      v.dataSync() as Float32Array,
      g.dataSync() as Float32Array,
    );
    const before = tf.memory().numTensors;
    step(p, v, g);
    expect(p.dataId).not.toBe(view.dataId);
    expect(Array.from(view.dataSync())).toEqual(seen);
    expect(tf.memory().numTensors).toBe(before);
    expect(v.dataSync()).toBeAllclose(expected.v, { atol: 1e-6 });
    expect(p.dataSync()).toBeAllclose(expected.p, { atol: 1e-6 });
    tf.dispose([p, v, g, view]);
  });

  it('leaves a clone taken before the step unchanged (clones share buffers on wasm)', () => {
    const p = variable([64], 9);
    const v = variable([64], 10);
    const g = tf.randomNormal([64], 0, 1, 'float32', 11);
    const snapshot = tf.clone(p);
    const seen = Array.from(snapshot.dataSync());
    step(p, v, g);
    expect(Array.from(snapshot.dataSync())).toEqual(seen);
    expect(Array.from(p.dataSync())).not.toEqual(seen);
    tf.dispose([p, v, g, snapshot]);
  });

  it('names an input of the wrong shape', () => {
    const p = variable([4], 7);
    const v = variable([4], 8);
    const g = tf.zeros([5]);
    expect(() => step(p, v, g)).toThrow(
      `${SGD_MOMENTUM_KERNEL}: input gradient has shape [5], expected [4]`,
    );
    tf.dispose([p, v, g]);
  });
});

describe('fused SGD-momentum kernel on wasm without OpenBLAS', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', blas: 'off' });
  });

  it("gives bit for bit what tfjs's own element-wise kernels give: add(mul(v, μ), g), add(mul(v', −lr), p)", () => {
    const p = variable([301], 12);
    const v = variable([301], 13);
    const g = tf.randomNormal([301], 0, 1, 'float32', 14);
    const [wantV, wantP] = tf.tidy(() => {
      const v2 = tf.add(tf.mul(v, tf.scalar(MOMENTUM)), g);
      return [v2, tf.add(tf.mul(v2, tf.scalar(-LR)), p)].map((t) => Array.from(t.dataSync()));
    });
    step(p, v, g);
    expect(Array.from(v.dataSync())).toEqual(wantV);
    expect(Array.from(p.dataSync())).toEqual(wantP);
    tf.dispose([p, v, g]);
  });
});
