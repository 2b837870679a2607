import * as tf from '@tensorflow/tfjs-core';
import { checkInputs, fail, type StepAttrs } from './mlp-step-inputs';
import type { OpenBlas } from './openblas';
import { heapViews, type WasmHeapBackend } from './wasm-heap';

/**
 * The name of a whole training step of a dense network in one kernel call: `Linear → activation →
 * dropout` per hidden layer, then `Linear`, the mean cross-entropy of the last layer's scores,
 * backpropagation, and PyTorch's SGD with momentum (`v' = μ·v + g; p' = p − lr·v'`) on every
 * weight and bias. `@mnist-lab/trainer` uses it where the active backend has it registered (this
 * package registers it for wasm with OpenBLAS) and tfjs's ops elsewhere.
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

/** Float32 buffers outside the wasm heap, reused from step to step and grown as needed. */
class Scratch {
  private readonly buffers = new Map<string, Float32Array>();
  get(name: string, length: number): Float32Array {
    let b = this.buffers.get(name);
    if (b === undefined || b.length < length) {
      b = new Float32Array(length);
      this.buffers.set(name, b);
    }
    return b.subarray(0, length);
  }

  private sumBuffer = new Float64Array(0);
  /** A float64 buffer of `length` for column sums. */
  sums(length: number): Float64Array {
    if (this.sumBuffer.length < length) this.sumBuffer = new Float64Array(length);
    return this.sumBuffer.subarray(0, length);
  }
}

/**
 * The outputs for the parameters: the same buffers, updated in place, when only the given tensors
 * hold them (a model's variables and an optimizer's velocities); otherwise new buffers holding a
 * copy, so that a tensor sharing a buffer never changes.
 */
function parameterOutputs(
  backend: WasmHeapBackend,
  params: Info[],
): { out: Info[]; copy: boolean[] } {
  const distinct = new Set(params.map((p) => p.dataId)).size === params.length;
  const copy = params.map((p) => !distinct || backend.refCount(p.dataId) !== 1);
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
 * A hidden layer's forward pass: `z = h·Wᵀ + b` (the sgemm writes `out`), then, in one pass over
 * `out`, its output after the activation and dropout (`out` again, in place) and what the
 * backward pass multiplies its gradient by: `mask · act'(z)` (into `factor`).
 */
function hiddenForward(
  blas: OpenBlas,
  layer: { h: Float32Array; w: Float32Array; b: Float32Array; mask: Float32Array | undefined },
  out: Float32Array,
  factor: Float32Array,
  activation: 'relu' | 'sigmoid' | 'none',
): void {
  const { h, w, b, mask } = layer;
  const n = b.length;
  const k = w.length / n;
  const rows = out.length / n;
  blas.sgemm(false, true, rows, n, k, h, k, w, k, out, n);
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
 * The whole step on the wasm heap with OpenBLAS: forward and backward products by `cblas_sgemm`
 * (the weight gradient accumulated straight into the velocity, `v ← dzᵀ·h + μ·v`, with sgemm's
 * `beta`), the weight update by `cblas_saxpy`, and the element-wise work (bias, activation,
 * dropout, softmax, their gradients, the bias updates) in single JavaScript passes over
 * buffers outside the heap. No tensor is made for an intermediate value.
 */
export function wasmMlpSgdStep(blas: OpenBlas): tf.KernelFunc {
  const scratch = new Scratch();
  return (args) => {
    const inputs = args.inputs as Record<string, Info | undefined>;
    const attrs = args.attrs as unknown as StepAttrs;
    const widths = checkInputs(inputs, attrs);
    const { layers, activation } = attrs;
    const m = Math.fround(attrs.momentum);
    const c = Math.fround(-attrs.lr);
    const labelsInfo = inputs.labels as Info;
    const batch = labelsInfo.shape[0] as number;
    const backend = args.backend as unknown as WasmHeapBackend;
    const params = Array.from({ length: layers }, (_, i) =>
      ['weight', 'bias', 'weightVelocity', 'biasVelocity'].map((p) => inputs[`${p}${i}`] as Info),
    ).flat();
    // Checked before anything is allocated or changed.
    const labelValues = labelsView(backend, labelsInfo, heapViews(backend));
    const classes = widths[layers] as number;
    labelValues.forEach((label, r) => {
      if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
        fail('labels', `label ${label} at row ${r} is not a class in [0, ${classes})`);
      }
    });
    const loss = backend.makeOutput([], 'float32');
    const correct = backend.makeOutput([], 'float32');
    const { out, copy } = parameterOutputs(backend, params);
    // Views last: allocating can replace the heap's buffer.
    const view = heapViews(backend);
    const whole = (t: Info) => view(t, 0, tf.util.sizeFromShape(t.shape));
    params.forEach((p, i) => {
      if (copy[i]) whole(out[i] as Info).set(whole(p));
    });
    const param = (layer: number, which: number) => whole(out[4 * layer + which] as Info);
    const labels = labelsView(backend, labelsInfo, view);

    // Forward: each layer's output (after activation and dropout) and backward factor.
    const outs: Float32Array[] = [whole(inputs.x as Info)];
    const factors: Float32Array[] = [];
    for (let i = 0; i < layers; i++) {
      const size = batch * (widths[i + 1] as number);
      const mask = inputs[`mask${i}`];
      factors.push(scratch.get(`factor${i}`, size));
      outs.push(scratch.get(`out${i}`, size));
      const layer = {
        h: outs[i] as Float32Array,
        w: param(i, 0),
        b: param(i, 1),
        mask: mask === undefined ? undefined : whole(mask),
      };
      const act = i === layers - 1 ? 'none' : activation;
      hiddenForward(blas, layer, outs[i + 1] as Float32Array, factors[i] as Float32Array, act);
    }
    let dz = scratch.get('g0', batch * classes);
    const result = crossEntropyGrad(outs[layers] as Float32Array, labels, classes, dz);
    whole(loss)[0] = result.loss;
    whole(correct)[0] = result.correct;

    // Backward, updating each layer once its gradients are taken.
    for (let i = layers - 1; i >= 0; i--) {
      const [w, b, vw, vb] = [param(i, 0), param(i, 1), param(i, 2), param(i, 3)];
      const [nIn, nOut] = [widths[i] as number, widths[i + 1] as number];
      blas.sgemm(true, false, nOut, nIn, batch, dz, nOut, outs[i] as Float32Array, nIn, vw, nIn, m);
      biasUpdate(dz, scratch.sums(nOut), vb, b, m, c);
      if (i > 0) {
        const g = scratch.get(`g${(layers - i) % 2}`, batch * nIn);
        blas.sgemm(false, false, batch, nIn, nOut, dz, nOut, w, nIn, g, nIn);
        const f = factors[i - 1] as Float32Array;
        for (let k = 0; k < g.length; k++) g[k] = (g[k] as number) * (f[k] as number);
        dz = g;
      }
      blas.saxpy(c, vw, w);
    }
    return [loss, correct, ...out];
  };
}

/** The labels on the heap, as int32 or float32 numbers. */
function labelsView(
  backend: WasmHeapBackend,
  labels: Info,
  view: (t: Info, offset: number, length: number) => Float32Array,
): Int32Array | Float32Array {
  if (labels.dtype === 'float32') return view(labels, 0, labels.shape[0] as number);
  if (labels.dtype !== 'int32')
    fail('labels', `labels must be int32 or float32, got ${labels.dtype}`);
  const offset = backend.dataIdMap.get(labels.dataId).memoryOffset;
  return new Int32Array(backend.wasm.HEAPU8.buffer, offset, labels.shape[0] as number);
}
