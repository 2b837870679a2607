import type * as tf from '@tensorflow/tfjs-core';
import { checkInputs, checkNorms, fail, NORM_INPUTS, type StepAttrs } from './mlp-step-inputs';
import { type NormSaved, type NormState, normBackward, normForward } from './mlp-step-norm';
import { activate, biasUpdate, crossEntropyGrad, Scratch } from './mlp-step-passes';
import type { StepBackend, StepProducts } from './mlp-step-products';
import { f32, i32 } from './wasm-heap';

/**
 * The name of a whole training step of a dense network in one kernel call: `Linear → [batch norm]
 * → activation → dropout` per hidden layer, then `Linear`, the mean cross-entropy of the last
 * layer's scores, backpropagation, and PyTorch's SGD with momentum (`v' = μ·v + g; p' = p − lr·v'`)
 * on every weight and bias (and batch norm's γ and β). `@mnist-lab/trainer` uses it where the active backend has it registered (this
 * package registers it for wasm, its products on OpenBLAS or XNNPACK) and tfjs's ops elsewhere.
 *
 * Inputs: `x` `[batch, in]` float32, `labels` `[batch]` (int32, or float32 holding integers); for
 * each layer `i` from 0: `weight{i}` `[out, in]`, `bias{i}` `[out]`, `weightVelocity{i}` and
 * `biasVelocity{i}` of the same shapes; for each hidden layer with dropout, `mask{i}` `[batch, out]`
 * (0 or `1/(1-p)`). A hidden layer with batch norm (PyTorch's `BatchNorm1d` in training mode,
 * between its `Linear` and its activation) has `gamma{i}`, `beta{i}`, `gammaVelocity{i}`,
 * `betaVelocity{i}`, `runningMean{i}` and `runningVar{i}`, all `[out]`. Attributes:
 * `{ layers, activation: 'relu' | 'sigmoid', lr, momentum }`, and with batch norm `normEps` and
 * `normMomentum` (PyTorch's `eps` and `momentum`). Outputs: the mean loss, the number of rows whose
 * largest score is at the label (both scalars), then per layer the new weight, bias, weight velocity
 * and bias velocity, then per layer with batch norm its six new values in the order above.
 */
export const MLP_SGD_STEP_KERNEL = 'MnistLabMlpSgdStep';

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

/** What one call of the kernel works with, shared by its forward and backward passes. */
interface Step {
  readonly backend: StepBackend;
  readonly products: StepProducts;
  readonly scratch: Scratch;
  readonly inputs: Record<string, Info | undefined>;
  readonly attrs: StepAttrs;
  readonly widths: number[];
  readonly normed: boolean[];
  /** The outputs: per layer weight, bias and their velocities, then each norm's six. */
  readonly out: Info[];
  readonly batch: number;
  /** Heap buffers the call allocated, freed at its end. */
  readonly temps: Info[];
}

const param = (s: Step, layer: number, which: number) => s.out[4 * layer + which] as Info;

/** Layer `i`'s batch norm state (views made now), or `undefined` without one. */
function normState(s: Step, i: number): NormState | undefined {
  if (s.normed[i] !== true) return undefined;
  const k = s.normed.slice(0, i).filter(Boolean).length;
  const views = NORM_INPUTS.map((_, j) =>
    f32(s.backend, s.out[4 * s.attrs.layers + 6 * k + j] as Info),
  );
  const [gamma, beta, gammaVelocity, betaVelocity, runningMean, runningVar] = views as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  return { gamma, beta, gammaVelocity, betaVelocity, runningMean, runningVar };
}

const normSaved = (s: Step, i: number): NormSaved => {
  const n = s.widths[i + 1] as number;
  return { xHat: s.scratch.get(`xHat${i}`, s.batch * n), invStd: s.scratch.get(`invStd${i}`, n) };
};

/** Forward: each layer's output (after batch norm, activation and dropout) and backward factor. */
function forward(s: Step): { hs: Info[]; factors: Float32Array[] } {
  const { backend, batch, widths, attrs } = s;
  const hs: Info[] = [{ ...(s.inputs.x as Info), shape: [batch, widths[0] as number] }];
  const factors: Float32Array[] = [];
  for (let i = 0; i < attrs.layers; i++) {
    const z = s.products.forward(backend, hs[i] as Info, param(s, i, 0));
    s.temps.push(z);
    hs.push(z);
    const n = widths[i + 1] as number;
    const mask = s.inputs[`mask${i}`];
    factors.push(s.scratch.get(`factor${i}`, batch * n));
    const act = i === attrs.layers - 1 ? 'none' : attrs.activation;
    let bias = f32(backend, param(s, i, 1));
    const norm = normState(s, i);
    if (norm !== undefined) {
      const sums = s.scratch.sums(n);
      normForward(
        f32(backend, z),
        bias,
        norm,
        normSaved(s, i),
        sums,
        attrs.normEps as number,
        attrs.normMomentum as number,
      );
      bias = s.scratch.zeros(n);
    }
    const maskView = mask === undefined ? undefined : f32(backend, mask);
    activate(f32(backend, z), bias, maskView, factors[i] as Float32Array, act);
  }
  return { hs, factors };
}

/** Backward from the scores' gradient `dz`, updating each layer once its gradients are taken. */
function backward(s: Step, hs: Info[], factors: Float32Array[], first: Info, m: number, c: number) {
  const { backend, products } = s;
  let dz = first;
  for (let i = s.attrs.layers - 1; i >= 0; i--) {
    const dh = i > 0 ? products.inputGrad(backend, dz, param(s, i, 0)) : undefined;
    if (dh !== undefined) s.temps.push(dh);
    const layer = { dz, h: hs[i] as Info, w: param(s, i, 0), v: param(s, i, 2) };
    products.updateWeight(backend, layer, m, c);
    const [b, vb] = [f32(backend, param(s, i, 1)), f32(backend, param(s, i, 3))];
    biasUpdate(f32(backend, dz), s.scratch.sums(b.length), vb, b, m, c);
    if (dh === undefined) break;
    const [g, f] = [f32(backend, dh), factors[i - 1] as Float32Array];
    for (let k = 0; k < g.length; k++) g[k] = (g[k] as number) * (f[k] as number);
    const norm = normState(s, i - 1);
    if (norm !== undefined) {
      const sums = s.scratch.sums(2 * (s.widths[i] as number));
      normBackward(g, normSaved(s, i - 1), norm, sums, m, c);
    }
    dz = dh;
  }
}

/**
 * The whole step on the wasm heap: the products and weight updates by `products` (OpenBLAS or the
 * backend's XNNPACK kernel), the element-wise work (bias, batch norm, activation, dropout, softmax,
 * their gradients, the bias updates) in single JavaScript passes without branches on the data. The
 * intermediate values are heap buffers the kernel frees; no tensor is made for them.
 */
export function wasmMlpSgdStep(products: StepProducts): tf.KernelFunc {
  const scratch = new Scratch();
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
    const params = [
      ...Array.from({ length: layers }, (_, i) =>
        ['weight', 'bias', 'weightVelocity', 'biasVelocity'].map((p) => inputs[`${p}${i}`] as Info),
      ).flat(),
      ...normed.flatMap((on, i) => (on ? NORM_INPUTS.map((p) => inputs[`${p}${i}`] as Info) : [])),
    ];
    const classes = widths[layers] as number;
    checkLabels(backend, labelsInfo, classes); // before anything is allocated or changed
    const loss = backend.makeOutput([], 'float32');
    const correct = backend.makeOutput([], 'float32');
    // Weights in new buffers where the products need it (XNNPACK keeps packed copies per tensor).
    const fresh = (i: number) => products.freshWeights && i < 4 * layers && i % 4 === 0;
    const { out, copy } = parameterOutputs(backend, params, fresh);
    params.forEach((p, i) => {
      if (copy[i]) f32(backend, out[i] as Info).set(f32(backend, p));
    });
    const batch = labelsInfo.shape[0] as number;
    const s: Step = {
      backend,
      products,
      scratch,
      inputs,
      attrs,
      widths,
      normed,
      out,
      batch,
      temps: [],
    };
    try {
      const { hs, factors } = forward(s);
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
      backward(s, hs, factors, dz, m, c);
    } finally {
      for (const t of s.temps) backend.disposeData(t.dataId);
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
  return i32(backend, labels);
}
