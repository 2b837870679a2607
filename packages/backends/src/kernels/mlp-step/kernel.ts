import { LAYER_INPUTS, NORM_INPUTS, stepStateInputs } from '@mnist-lab/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import { simdPassesFor } from '../../wasm-simd/passes';
import { backendMemory, f32, heapOffset } from '../wasm-heap';
import { checkInputs, checkLabels, checkNorms, labelsView, type StepAttrs } from './inputs';
import { type NormState, normBackward, normForward } from './norm';
import { type HeapNorm, normBackwardSimd, normForwardSimd, simdNorm } from './norm-simd';
import { biasUpdate, crossEntropyGrad, Scratch } from './passes';
import type { StepBackend, StepProducts } from './products';
import {
  activation,
  applyFactor,
  type Factor,
  normed,
  normSaved,
  normState,
  param,
  type Step,
  sumsOf,
} from './state';

type Info = tf.TensorInfo;

/**
 * The outputs for the parameters: the same buffers, updated in place, when only the given tensors
 * hold them (a model's variables and an optimizer's velocities) and `fresh` does not ask for a new
 * one; otherwise new buffers holding a copy, so that a tensor sharing a buffer never changes.
 */
function parameterOutputs(
  backend: StepBackend,
  params: Info[],
  fresh: (i: number) => boolean,
): { out: Info[]; copy: boolean[] } {
  const distinct = new Set(params.map((p) => p.dataId)).size === params.length;
  const copy = params.map((p, i) => fresh(i) || !distinct || backend.refCount(p.dataId) !== 1);
  const out = params.map((p, i) => {
    if (copy[i]) return backend.makeOutput([...p.shape], 'float32');
    backend.incRef(p.dataId);
    return { dataId: p.dataId, shape: [...p.shape], dtype: 'float32' as const };
  });
  return { out, copy };
}

/** Forward: each layer's output (after batch norm, activation and dropout) and backward factor. */
function forward(s: Step): { hs: Info[]; factors: Factor[]; heapNorms: HeapNorm[] } {
  const { backend, batch, widths, attrs } = s;
  const hs: Info[] = [{ ...(s.inputs.x as Info), shape: [batch, widths[0] as number] }];
  const factors: Factor[] = [];
  const heapNorms: HeapNorm[] = [];
  for (let i = 0; i < attrs.layers; i++) {
    const z = s.products.forward(backend, hs[i] as Info, param(s, i, 'weight'));
    s.temps.push(z);
    hs.push(z);
    // The SIMD pass makes its views of the norm's state itself, after allocating its buffers.
    const norm = normed(s, i);
    if (norm && simdNorm(s, i)) {
      heapNorms[i] = normForwardSimd(s, i, z, param(s, i, 'bias'));
    } else if (norm) {
      normForward(
        f32(backend, z),
        f32(backend, param(s, i, 'bias')),
        normState(s, i) as NormState,
        normSaved(s, i),
        s.scratch.sums(widths[i + 1] as number),
        attrs.normEps as number,
        attrs.normMomentum as number,
      );
    }
    // With batch norm, the bias was added before normalizing.
    factors.push(activation(s, i, z, norm ? undefined : param(s, i, 'bias')));
  }
  return { hs, factors, heapNorms };
}

/** Backward from the scores' gradient `dz`, updating each layer once its gradients are taken. */
function backward(
  s: Step,
  { hs, factors, heapNorms }: ReturnType<typeof forward>,
  first: Info,
  m: number,
  c: number,
) {
  const { backend, products } = s;
  let dz = first;
  for (let i = s.attrs.layers - 1; i >= 0; i--) {
    const dh = i > 0 ? products.inputGrad(backend, dz, param(s, i, 'weight')) : undefined;
    if (dh !== undefined) s.temps.push(dh);
    const layer = {
      dz,
      h: hs[i] as Info,
      w: param(s, i, 'weight'),
      v: param(s, i, 'weightVelocity'),
    };
    products.updateWeight(backend, layer, m, c);
    const sums = sumsOf(s, dz, s.widths[i + 1] as number);
    biasUpdate(
      sums,
      f32(backend, param(s, i, 'biasVelocity')),
      f32(backend, param(s, i, 'bias')),
      m,
      c,
    );
    if (dh === undefined) break;
    applyFactor(s, dh, factors[i - 1] as Factor);
    const heapNorm = heapNorms[i - 1];
    if (heapNorm !== undefined) normBackwardSimd(s, i - 1, dh, heapNorm, m, c);
    else if (normed(s, i - 1)) {
      const sums = s.scratch.sums(2 * (s.widths[i] as number));
      normBackward(
        f32(backend, dh),
        normSaved(s, i - 1),
        normState(s, i - 1) as NormState,
        sums,
        m,
        c,
      );
    }
    dz = dh;
  }
}

/**
 * The whole step on the wasm heap: the products and weight updates by `products` (OpenBLAS, this
 * package's wasm SIMD kernels, or the backend's XNNPACK kernel), the element-wise work (bias, batch norm, activation, dropout, softmax,
 * their gradients, the bias updates) in single JavaScript passes without branches on the data. The
 * intermediate values are heap buffers the kernel frees; no tensor is made for them. ReLU, the
 * sigmoid, the factors' products, batch norm and the bias gradients' column sums run in wasm SIMD
 * where the engine has it (`wasm-simd/passes.ts`; `simd: false` keeps the JavaScript loops: the
 * same results, bit for bit).
 */
export function wasmMlpSgdStep(products: StepProducts, simd = true): tf.KernelFunc {
  const scratch = new Scratch();
  const passesFor = simdPassesFor();
  return (args) => {
    const inputs = args.inputs as Record<string, Info | undefined>;
    const attrs = args.attrs as unknown as StepAttrs;
    const widths = checkInputs(inputs, attrs);
    const normed = checkNorms(inputs, attrs, widths);
    const { layers } = attrs;
    const m = Math.fround(attrs.momentum);
    const c = Math.fround(-attrs.lr);
    const labelsInfo = inputs.labels as Info;
    const backend = args.backend as unknown as StepBackend;
    const params = stepStateInputs(layers, normed).map((name) => inputs[name] as Info);
    const classes = widths[layers] as number;
    checkLabels(backend, labelsInfo, classes); // before anything is allocated or changed
    const loss = backend.makeOutput([], 'float32');
    const correct = backend.makeOutput([], 'float32');
    // Weights in new buffers where the products need it (XNNPACK keeps packed copies per tensor).
    const perLayer = LAYER_INPUTS.length;
    const fresh = (i: number) =>
      products.freshWeights && i < perLayer * layers && LAYER_INPUTS[i % perLayer] === 'weight';
    const { out, copy } = parameterOutputs(backend, params, fresh);
    params.forEach((p, i) => {
      if (copy[i]) f32(backend, out[i] as Info).set(f32(backend, p));
    });
    const batch = labelsInfo.shape[0] as number;
    const passes = simd ? passesFor(backendMemory(backend)) : undefined;
    // Room for the widest layer's float64 sums (2 per feature) and scales, 8-byte aligned.
    const wide = Math.max(...widths);
    const sums = passes && backend.makeOutput([6 * wide + 2], 'float32');
    const sumsAt = sums ? (heapOffset(backend, sums) + 7) & ~7 : 0;
    const s: Step = {
      backend,
      products,
      scratch,
      passes,
      words: wordMask(attrs.dropout),
      sumsAt,
      scaleAt: sumsAt + 16 * wide,
      inputs,
      attrs,
      widths,
      normAt: normOffsets(normed, layers),
      out,
      batch,
      temps: sums ? [sums] : [],
    };
    try {
      const passed = forward(s);
      const { hs } = passed;
      const dz = backend.makeOutput([batch, classes], 'float32');
      s.temps.push(dz);
      const scores = f32(backend, hs[layers] as Info);
      const labels = labelsView(backend, labelsInfo);
      const result = crossEntropyGrad(
        scores,
        labels,
        classes,
        f32(backend, dz),
        scratch.exps(classes),
      );
      f32(backend, loss)[0] = result.loss;
      f32(backend, correct)[0] = result.correct;
      backward(s, passed, dz, m, c);
    } finally {
      for (const t of s.temps) backend.disposeData(t.dataId);
    }
    return [loss, correct, ...out];
  };
}

/** How `maskBits{i}` words make masks for dropout `p` (`dropoutMask`'s rule), or `undefined`. */
const wordMask = (p: number | undefined) =>
  p === undefined
    ? undefined
    : { threshold: Math.round(p * 2 ** 32), keep: Math.fround(1 / (1 - p)) };

/** Where each layer's batch norm outputs start among the outputs (after the layers'), or -1. */
function normOffsets(normed: boolean[], layers: number): number[] {
  let next = LAYER_INPUTS.length * layers;
  return normed.map((on) => {
    if (!on) return -1;
    next += NORM_INPUTS.length;
    return next - NORM_INPUTS.length;
  });
}
