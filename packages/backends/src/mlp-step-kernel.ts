import type * as tf from '@tensorflow/tfjs-core';
import { checkInputs, fail, type StepAttrs } from './mlp-step-inputs';
import { f32, type StepBackend, type StepProducts } from './mlp-step-products';

/**
 * The name of a whole training step of a dense network in one kernel call: `Linear → activation →
 * dropout` per hidden layer, then `Linear`, the mean cross-entropy of the last layer's scores,
 * backpropagation, and PyTorch's SGD with momentum (`v' = μ·v + g; p' = p − lr·v'`) on every
 * weight and bias. `@mnist-lab/trainer` uses it where the active backend has it registered (this
 * package registers it for wasm, its products on OpenBLAS or XNNPACK) and tfjs's ops elsewhere.
 *
 * Inputs: `x` `[batch, in]` float32, `labels` `[batch]` (int32, or float32 holding integers); for
 * each layer `i` from 0: `weight{i}` `[out, in]`, `bias{i}` `[out]`, `weightVelocity{i}` and
 * `biasVelocity{i}` of the same shapes; for each hidden layer with dropout, `mask{i}` `[batch, out]`
 * (0 or `1/(1-p)`). Attributes: `{ layers, activation: 'relu' | 'sigmoid', lr, momentum }`.
 * Outputs: the mean loss, the number of rows whose largest score is at the label (both scalars),
 * then per layer the new weight, bias, weight velocity and bias velocity.
 */
export const MLP_SGD_STEP_KERNEL = 'MnistLabMlpSgdStep';

type Info = tf.TensorInfo;

/** Buffers outside the wasm heap, reused from step to step and grown as needed. */
class Scratch {
  private readonly buffers = new Map<string, Float32Array>();
  private sumBuffer = new Float64Array(0);

  get(name: string, length: number): Float32Array {
    let b = this.buffers.get(name);
    if (b === undefined || b.length < length) {
      b = new Float32Array(length);
      this.buffers.set(name, b);
    }
    return b.subarray(0, length);
  }

  /** A float64 buffer of `length` for column sums. */
  sums(length: number): Float64Array {
    if (this.sumBuffer.length < length) this.sumBuffer = new Float64Array(length);
    return this.sumBuffer.subarray(0, length);
  }
}

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

/** Cross-entropy of `scores` `[batch, classes]` at `labels`: the mean loss, the correct count, and the gradient at the scores into `grad`. */
function crossEntropyGrad(
  scores: Float32Array,
  labels: Float32Array | Int32Array,
  classes: number,
  grad: Float32Array,
): { loss: number; correct: number } {
  const batch = labels.length;
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * classes;
    let max = -Infinity;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const s = scores[o + c] as number;
      if (s > max) {
        max = s;
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((scores[o + c] as number) - max);
    const label = labels[r] as number;
    loss += Math.log(sum) - ((scores[o + label] as number) - max);
    if (best === label && Number.isFinite(max)) correct++;
    for (let c = 0; c < classes; c++) {
      const p = Math.exp((scores[o + c] as number) - max) / sum;
      grad[o + c] = (p - (c === label ? 1 : 0)) / batch;
    }
  }
  return { loss: loss / batch, correct };
}

/** 0 and 1, picked by index: a branch on the sign of each unit mispredicts about half the time. */
const STEP = new Float32Array([0, 1]);

/**
 * After a layer's product `out = h·Wᵀ`, in one pass over `out`: `z = out + b`, the layer's output
 * after the activation and dropout (into `out`, in place) and what the backward pass multiplies
 * its gradient by, `mask · act'(z)` (into `factor`). The last layer only adds its bias.
 */
function activate(
  out: Float32Array,
  b: Float32Array,
  mask: Float32Array | undefined,
  factor: Float32Array,
  activation: 'relu' | 'sigmoid' | 'none',
): void {
  const n = b.length;
  const rows = out.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let c = 0; c < n; c++) {
      const z = Math.fround((out[o + c] as number) + (b[c] as number));
      const m = mask === undefined ? 1 : (mask[o + c] as number);
      if (activation === 'none') out[o + c] = z;
      else if (activation === 'relu') {
        out[o + c] = (z + Math.abs(z)) * 0.5 * m;
        factor[o + c] = m * (STEP[+(z > 0)] as number);
      } else {
        const a = Math.fround(1 / (1 + Math.exp(-z)));
        out[o + c] = a * m;
        factor[o + c] = m * Math.fround(a * Math.fround(1 - a));
      }
    }
  }
}

/** `v ← Σ_rows dz + μ·v; b ← b − lr·v` for a bias, summed in float64 and rounded once to float32. */
function biasUpdate(
  dz: Float32Array,
  sums: Float64Array,
  v: Float32Array,
  b: Float32Array,
  m: number,
  c: number,
): void {
  const n = b.length;
  sums.fill(0);
  for (let o = 0; o < dz.length; o += n) {
    for (let j = 0; j < n; j++) sums[j] = (sums[j] as number) + (dz[o + j] as number);
  }
  for (let j = 0; j < n; j++) {
    const vj = Math.fround(m * (v[j] as number) + (sums[j] as number));
    v[j] = vj;
    b[j] = Math.fround((b[j] as number) + c * vj);
  }
}

/**
 * The whole step on the wasm heap: the products and weight updates by `products` (OpenBLAS or the
 * backend's XNNPACK kernel), the element-wise work (bias, activation, dropout, softmax, their
 * gradients, the bias updates) in single JavaScript passes without branches on the data. The
 * intermediate values are heap buffers the kernel frees; no tensor is made for them.
 */
export function wasmMlpSgdStep(products: StepProducts): tf.KernelFunc {
  const scratch = new Scratch();
  return (args) => {
    const inputs = args.inputs as Record<string, Info | undefined>;
    const attrs = args.attrs as unknown as StepAttrs;
    const widths = checkInputs(inputs, attrs);
    const { layers, activation } = attrs;
    const m = Math.fround(attrs.momentum);
    const c = Math.fround(-attrs.lr);
    const labelsInfo = inputs.labels as Info;
    const backend = args.backend as unknown as StepBackend;
    const params = Array.from({ length: layers }, (_, i) =>
      ['weight', 'bias', 'weightVelocity', 'biasVelocity'].map((p) => inputs[`${p}${i}`] as Info),
    ).flat();
    const classes = widths[layers] as number;
    checkLabels(backend, labelsInfo, classes); // before anything is allocated or changed
    const loss = backend.makeOutput([], 'float32');
    const correct = backend.makeOutput([], 'float32');
    // Weights in new buffers where the products need it (XNNPACK keeps packed copies per tensor).
    const fresh = (i: number) => products.freshWeights && i % 4 === 0;
    const { out, copy } = parameterOutputs(backend, params, fresh);
    params.forEach((p, i) => {
      if (copy[i]) f32(backend, out[i] as Info).set(f32(backend, p));
    });
    const param = (layer: number, which: number) => out[4 * layer + which] as Info;
    const batch = labelsInfo.shape[0] as number;
    const x = inputs.x as Info;
    const hs: Info[] = [{ ...x, shape: [batch, widths[0] as number] }];
    const temps: Info[] = [];
    try {
      // Forward: each layer's output (after activation and dropout) and backward factor.
      const factors: Float32Array[] = [];
      for (let i = 0; i < layers; i++) {
        const z = products.forward(backend, hs[i] as Info, param(i, 0));
        temps.push(z);
        hs.push(z);
        const mask = inputs[`mask${i}`];
        factors.push(scratch.get(`factor${i}`, batch * (widths[i + 1] as number)));
        const act = i === layers - 1 ? 'none' : activation;
        const maskView = mask === undefined ? undefined : f32(backend, mask);
        activate(
          f32(backend, z),
          f32(backend, param(i, 1)),
          maskView,
          factors[i] as Float32Array,
          act,
        );
      }
      let dz = backend.makeOutput([batch, classes], 'float32');
      temps.push(dz);
      const scores = f32(backend, hs[layers] as Info);
      const result = crossEntropyGrad(
        scores,
        labelsView(backend, labelsInfo),
        classes,
        f32(backend, dz),
      );
      f32(backend, loss)[0] = result.loss;
      f32(backend, correct)[0] = result.correct;

      // Backward, updating each layer once its gradients are taken.
      for (let i = layers - 1; i >= 0; i--) {
        const dh = i > 0 ? products.inputGrad(backend, dz, param(i, 0)) : undefined;
        if (dh !== undefined) temps.push(dh);
        const layer = { dz, h: hs[i] as Info, w: param(i, 0), v: param(i, 2) };
        products.updateWeight(backend, layer, m, c);
        const [b, vb] = [f32(backend, param(i, 1)), f32(backend, param(i, 3))];
        biasUpdate(f32(backend, dz), scratch.sums(b.length), vb, b, m, c);
        if (dh === undefined) break;
        const [g, f] = [f32(backend, dh), factors[i - 1] as Float32Array];
        for (let k = 0; k < g.length; k++) g[k] = (g[k] as number) * (f[k] as number);
        dz = dh;
      }
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
    return [loss, correct, ...out];
  };
}

function checkLabels(backend: StepBackend, labels: Info, classes: number): void {
  labelsView(backend, labels).forEach((label, r) => {
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      fail('labels', `label ${label} at row ${r} is not a class in [0, ${classes})`);
    }
  });
}

/** The labels on the heap, as int32 or float32 numbers. */
function labelsView(backend: StepBackend, labels: Info): Int32Array | Float32Array {
  if (labels.dtype === 'float32') return f32(backend, labels);
  if (labels.dtype !== 'int32')
    fail('labels', `labels must be int32 or float32, got ${labels.dtype}`);
  const offset = backend.dataIdMap.get(labels.dataId).memoryOffset;
  return new Int32Array(backend.wasm.HEAPU8.buffer, offset, labels.shape[0] as number);
}
