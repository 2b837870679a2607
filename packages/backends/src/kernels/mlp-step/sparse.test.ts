import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../index';
import { type SimdGemm, simdGemmFor } from '../../wasm-simd/gemm';
import { wasmMlpSgdStep } from './kernel';
import { simdProducts, xnnpackProducts } from './products';
import { LR, MOMENTUM, makeNet, values } from './reference.test-utils';

// Whole training steps of the lesson's network (784-512-256-10, batch 32, dropout 0.5 from random
// words) with the products on this package's wasm SIMD kernels, which skip a ReLU-and-dropout
// gradient's zeros and an input's zero pixels, against XNNPACK's products (tfjs-wasm's
// BatchMatMul): the same bits after three steps, and the sparse products used. With batch norm
// the gradients at the products are dense (its backward pass mixes the batch): the dense kernels
// there, the same bits again.

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', blas: 'off' });
});

const WIDTHS = [784, 512, 256, 10];
const BATCH = 32;

/** What a test changes in the kernel's inputs. */
interface Variant {
  readonly batchNorm: boolean;
  /** Each example zero but for a window of 160 pixels of its own, as an MNIST digit (~80 % zeros). */
  readonly digits?: boolean;
  /** An infinite pixel (x[0][100]), or an infinite weight of the first layer at a pixel that is zero in every example. */
  readonly infinite?: 'pixel' | 'weight';
}

/** The kernel's inputs for a fresh copy of the test network (the same numbers every call). */
function inputs({ batchNorm, digits, infinite }: Variant): Record<string, tf.Tensor> {
  const net = makeNet(WIDTHS, 5, batchNorm);
  const x = values(BATCH * 784, 3);
  if (digits)
    x.forEach((_, i) => {
      const [r, k] = [Math.floor(i / 784), i % 784];
      const from = 120 + ((r * 97) % 480);
      if (k < from || k >= from + 160) x[i] = r % 2 === 0 ? 0 : -0;
    });
  if (infinite === 'pixel') x[100] = Number.POSITIVE_INFINITY;
  if (infinite === 'weight') (net.w[0] as number[])[3 * 784 + 5] = Number.NEGATIVE_INFINITY;
  const own = (v: number[], shape?: number[]) => tf.variable(tf.tensor(v, shape));
  const named: Record<string, tf.Tensor> = {
    x: tf.tensor(x, [BATCH, 784]),
    labels: tf.tensor1d(
      Array.from({ length: BATCH }, (_, r) => (r * 7) % 10),
      'int32',
    ),
  };
  net.w.forEach((w, i) => {
    const shape = [WIDTHS[i + 1] as number, WIDTHS[i] as number];
    named[`weight${i}`] = own(w, shape);
    named[`bias${i}`] = own(net.b[i] as number[]);
    named[`weightVelocity${i}`] = own(net.vw[i] as number[], shape);
    named[`biasVelocity${i}`] = own(net.vb[i] as number[]);
  });
  net.norms.forEach((n, i) => {
    const parts = { gamma: n.g, beta: n.be, gammaVelocity: n.vg, betaVelocity: n.vbe };
    for (const [name, v] of Object.entries(parts)) named[`${name}${i}`] = own(v);
    named[`runningMean${i}`] = own(n.rm);
    named[`runningVar${i}`] = own(n.rv);
  });
  // Dropout's random words: kept where a word is at least 2³¹ (p = 0.5).
  WIDTHS.slice(1, -1).forEach((w, i) => {
    const words = Array.from({ length: BATCH * w }, (_, k) =>
      Math.imul(k + 11 * i + 1, 0x9e3779b9),
    );
    named[`maskBits${i}`] = tf.tensor(words, [BATCH, w], 'int32');
  });
  return named;
}

/** Three steps with `products`; every updated state tensor's bits, in the kernel's output order. */
function threeSteps(products: Parameters<typeof wasmMlpSgdStep>[0], variant: Variant) {
  const { batchNorm } = variant;
  const kernel = wasmMlpSgdStep(products, true);
  const named = inputs(variant);
  const attrs = {
    layers: 3,
    activation: 'relu',
    lr: LR,
    momentum: MOMENTUM,
    dropout: 0.5,
    ...(batchNorm ? { normEps: 1e-5, normMomentum: 0.1 } : {}),
  };
  let outputs: tf.Tensor[] = [];
  for (let step = 0; step < 3; step++) {
    const infos = kernel({
      inputs: named,
      backend: tf.backend(),
      attrs,
    } as never) as tf.TensorInfo[];
    outputs = infos.map((o) => tf.engine().makeTensorFromTensorInfo(o));
    // The outputs after the loss and the count are the state, in the kernel's order.
    const state = outputs.slice(2);
    state.forEach((t, k) => {
      const name = ORDER(batchNorm)[k] as string;
      (named[name] as tf.Variable).assign(t);
    });
    tf.dispose(outputs);
  }
  const bits = ORDER(batchNorm).map(
    (name) => new Uint32Array((named[name] as tf.Tensor).dataSync().slice().buffer),
  );
  tf.dispose(Object.values(named));
  return bits;
}

/** The kernel's state outputs in order: each layer's four, then each norm's six. */
const ORDER = (batchNorm: boolean) => [
  ...WIDTHS.slice(1).flatMap((_, i) =>
    ['weight', 'bias', 'weightVelocity', 'biasVelocity'].map((p) => `${p}${i}`),
  ),
  ...(batchNorm
    ? WIDTHS.slice(2).flatMap((_, i) =>
        ['gamma', 'beta', 'gammaVelocity', 'betaVelocity', 'runningMean', 'runningVar'].map(
          (p) => `${p}${i}`,
        ),
      )
    : []),
];

/** XNNPACK's products: tfjs-wasm's own BatchMatMul. */
const xnnpack = () =>
  xnnpackProducts(() => (tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig).kernelFunc);

/** How many floats of each state tensor differ in their bits. */
const differing = (got: Uint32Array[], expected: Uint32Array[]) =>
  got.map((b, k) => b.reduce((n, v, i) => n + (v === expected[k]?.[i] ? 0 : 1), 0));

/** This package's kernels, counting the calls of the sparse products and the listed forward product. */
function counted() {
  // listed: the first layer's (784 inputs) listed forward products.
  const calls = { sparse: 0, listed: 0 };
  const gemmFor = simdGemmFor();
  const products = simdProducts((memory) => {
    const g = gemmFor(memory);
    if (g === undefined) return undefined;
    return {
      ...g,
      gemmSparse: (...args) => {
        calls.sparse++;
        g.gemmSparse(...args);
      },
      gemmUpdateSparse: (...args) => {
        calls.sparse++;
        g.gemmUpdateSparse(...args);
      },
      gemmTListed: (...args) => {
        if (args[5] === 784) calls.listed++;
        g.gemmTListed(...args);
      },
    } satisfies SimdGemm;
  });
  return { products, calls };
}

describe('the fused step with sparse wasm SIMD products', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])(
    "gives XNNPACK's bits on the lesson's network (batch norm %s, digit-like inputs %s)",
    (batchNorm, digits) => {
      const expected = threeSteps(xnnpack(), { batchNorm, digits });
      const { products, calls } = counted();
      const got = threeSteps(products, { batchNorm, digits });
      expect(differing(got, expected)).toEqual(got.map(() => 0));
      // Per step at least both hidden weight gradients and the input gradient into the first
      // hidden layer (this untrained network's softmax saturates: its output gradient is mostly
      // zeros too).
      if (batchNorm) expect(calls.sparse).toBe(0);
      else expect(calls.sparse).toBeGreaterThanOrEqual(9);
      // The first layer's forward product over the pixels that are not zero in all 8 examples of a
      // panel: with digit-like inputs only (the hidden layers' panels are ~9/10 listed: dense).
      expect(calls.listed).toBe(digits ? 3 : 0);
    },
  );

  it('gives the same bits with an infinite pixel (NaN where 0·∞ and ∞ − ∞ meet)', () => {
    // Inside a step an infinite input makes its whole row of gradients NaN, never ±0, so the sparse
    // products would agree even without their check that the other operand is finite (`finite`,
    // tested with the kernels): this pins the step's NaNs to XNNPACK's.
    const expected = threeSteps(xnnpack(), { batchNorm: false, infinite: 'pixel' });
    const got = threeSteps(simdProducts(simdGemmFor()), { batchNorm: false, infinite: 'pixel' });
    expect(differing(got, expected)).toEqual(got.map(() => 0));
    // The first layer's weights are NaN where the infinite pixel's column met a unit's gradient.
    expect(Number.isNaN(new Float32Array((got[0] as Uint32Array).buffer)[100])).toBe(true);
  });

  it('keeps the dense forward product where a weight is infinite at a pixel that is always zero', () => {
    // Left out, that pixel's terms would leave the unit's sums finite; the dense sums hold ∞·0: NaN.
    const variant = { batchNorm: false, digits: true, infinite: 'weight' } as const;
    const expected = threeSteps(xnnpack(), variant);
    const { products, calls } = counted();
    const got = threeSteps(products, variant);
    expect(differing(got, expected)).toEqual(got.map(() => 0));
    expect(calls.listed).toBe(0);
    expect(Number.isNaN(new Float32Array((got[4] as Uint32Array).buffer)[0])).toBe(true);
  });
});
