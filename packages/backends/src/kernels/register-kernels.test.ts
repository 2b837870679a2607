import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../index';
import {
  installSpeedFixes,
  loadOpenBlas,
  type OpenBlas,
  removeSpeedFixes,
  speedFixVariants,
} from '../internal';

// Products as backpropagation through the lesson's MLP makes them, plus batched and odd shapes.
const CASES: [number[], number[], boolean, boolean][] = [
  [[32, 784], [512, 784], false, true], // forward x·Wᵀ: transposes A and the result
  [[32, 256], [10, 256], false, true], // forward, last layer
  [[300, 20], [7, 20], false, true], // A bigger than B: transposes B
  [[32, 512], [32, 784], true, false], // dW = dyᵀ·x
  [[5, 3], [4, 5], true, true],
  [[2, 6, 4], [2, 5, 4], false, true], // batched
  [[3, 4, 6], [1, 4, 5], true, false], // batched, broadcast B
  [[4, 6], [3, 6, 5], false, false], // rank 2 times rank 3: A broadcast
  [[2, 1, 3, 4], [1, 3, 4, 2], false, false], // batch dimensions broadcast both ways
  [[0, 5], [5, 3], false, false], // empty result
];

function run(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Float32Array {
  const c = tf.matMul(a, b, ta, tb);
  const values = c.dataSync() as Float32Array;
  c.dispose();
  return values;
}

// Both ways wasm's matrix products can run: OpenBLAS on the heap, and XNNPACK with transposes.
describe.each(['openblas', 'transposes'] as const)('wasm matrix products: %s', (variant) => {
  let blas: OpenBlas | undefined;
  const install = () => installSpeedFixes('wasm', blas);
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', blas: variant === 'openblas' ? 'require' : 'off' });
    blas = variant === 'openblas' ? await loadOpenBlas() : undefined;
  });
  afterAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });

  it('is installed by initBackend on wasm', () => {
    expect(speedFixVariants().wasm_BatchMatMul).toBe(variant);
  });

  it.each(CASES)(
    'A %j · B %j (transposeA %s, transposeB %s) is within 1e-5 of the unpatched kernel',
    (sa, sb, ta, tb) => {
      // Magnitudes as in the MLP: inputs in [0, 1), weights N(0, 1/K), so products are O(1).
      const inner = ta ? (sa.at(-2) as number) : (sa.at(-1) as number);
      const a = tf.randomUniform(sa, 0, 1, 'float32', 1);
      const b = tf.randomNormal(sb, 0, 1 / Math.sqrt(inner), 'float32', 2);
      install();
      const before = tf.memory().numTensors;
      const fast = run(a, b, ta, tb);
      expect(tf.memory().numTensors).toBe(before);
      removeSpeedFixes();
      const reference = run(a, b, ta, tb);
      expect(fast.length).toBe(reference.length);
      for (let i = 0; i < fast.length; i++) {
        const e = reference[i] as number;
        expect(Math.abs((fast[i] as number) - e)).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(e)),
        );
      }
      tf.dispose([a, b]);
    },
  );

  it('keeps gradients through a transposed product within 1e-5', () => {
    const x = tf.randomUniform([32, 784], 0, 1, 'float32', 3);
    const w = tf.randomNormal([512, 784], 0, 0.05, 'float32', 4);
    const grads = () => {
      const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
        tf.sum(tf.relu(tf.matMul(xi, wi, false, true))),
      )([x, w]);
      const out = [dx?.dataSync(), dw?.dataSync()] as Float32Array[];
      tf.dispose([dx, dw] as tf.Tensor[]);
      return out;
    };
    install();
    const fast = grads();
    removeSpeedFixes();
    const reference = grads();
    for (const [i, f] of fast.entries()) {
      const r = reference[i] as Float32Array;
      for (let j = 0; j < r.length; j++) {
        expect(Math.abs((f[j] as number) - (r[j] as number))).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(r[j] as number)),
        );
      }
    }
    tf.dispose([x, w]);
  });
});

describe('wasm matrix products on OpenBLAS: an empty inner dimension', () => {
  it('gives zeros', async () => {
    // tfjs-wasm's own kernel fails there (XNNPACK status 2) and returns whatever the heap held.
    await initBackend({ prefer: 'wasm', blas: 'require' });
    const a = tf.ones([2, 3, 0]);
    const b = tf.ones([0, 4]);
    expect(run(a, b, false, false)).toEqual(new Float32Array(24));
    tf.dispose([a, b]);
  });
});

describe('wasm Identity shares its input buffer', () => {
  it('clones without copying, keeps values, and frees the buffer with the last holder', async () => {
    await initBackend({ prefer: 'wasm' });
    expect(speedFixVariants().wasm_Identity).toBe('shared buffer');
    const backend = tf.backend() as unknown as { refCount(dataId: object): number };
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory();
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors - 1);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers - 1);
  });
});
