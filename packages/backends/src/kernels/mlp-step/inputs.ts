// The inputs and attributes of the whole-step kernel (`kernel.ts`; the contract is
// `@mnist-lab/contracts`' `MLP_SGD_STEP_KERNEL`), checked.
import {
  LAYER_INPUTS,
  MLP_SGD_STEP_KERNEL,
  type MlpSgdStepAttrs,
  NORM_INPUTS,
  stepInput,
} from '@mnist-lab/contracts';
import { ArgumentError } from '@mnist-lab/errors';
import * as tf from '@tensorflow/tfjs-core';
import { f32, i32, type WasmHeapBackend as StepBackend } from '../wasm-heap';

const KERNEL = MLP_SGD_STEP_KERNEL;

type Info = tf.TensorInfo;

/** The kernel's attributes, as the contract declares them. */
export type StepAttrs = MlpSgdStepAttrs;

export function fail(input: string, message: string): never {
  throw new ArgumentError(`${KERNEL}: ${input}`, `${KERNEL}: ${message}`);
}

function expectShape(
  inputs: Record<string, Info | undefined>,
  name: string,
  shape: number[],
  dtype: 'float32' | 'int32' = 'float32',
): Info {
  const t = inputs[name];
  if (t === undefined) return fail(name, `input ${name} is missing`);
  if (t.dtype !== dtype) return fail(name, `input ${name} must be ${dtype}, got ${t.dtype}`);
  if (!tf.util.arraysEqual(t.shape, shape)) {
    fail(name, `input ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}

/** The layers' widths from the weights, every input checked against them. */
export function checkInputs(inputs: Record<string, Info | undefined>, attrs: StepAttrs): number[] {
  const { layers, activation } = attrs;
  if (!(Number.isInteger(layers) && layers >= 1))
    fail('layers', `layers must be ≥ 1, got ${layers}`);
  if (activation !== 'relu' && activation !== 'sigmoid') {
    fail('activation', `activation must be relu or sigmoid, got ${activation}`);
  }
  const labels = inputs.labels;
  if (labels === undefined || labels.shape.length !== 1) fail('labels', 'labels must be [batch]');
  const batch = labels.shape[0] as number;
  const widths = [(inputs[stepInput('weight', 0)]?.shape[1] ?? 0) as number];
  for (let i = 0; i < layers; i++) {
    const out = (inputs[stepInput('weight', i)]?.shape[0] ?? 0) as number;
    const shape = [out, widths[i] as number];
    for (const kind of LAYER_INPUTS) {
      expectShape(inputs, stepInput(kind, i), kind.startsWith('weight') ? shape : [out]);
    }
    widths.push(out);
  }
  const x = expectShape(inputs, 'x', inputs.x?.shape ?? []);
  if (tf.util.sizeFromShape(x.shape) !== batch * (widths[0] as number)) {
    fail('x', `input x has shape [${x.shape}], expected ${batch} rows of ${widths[0]}`);
  }
  const masked = inputs[stepInput('mask', 0)] !== undefined;
  for (let i = 0; i < layers - 1 && masked; i++) {
    expectShape(inputs, stepInput('mask', i), [batch, widths[i + 1] as number]);
  }
  checkMaskBits(inputs, attrs, widths, batch);
  return widths;
}

/** `maskBits{i}` (instead of `mask{i}`): int32 words, one per unit, with `dropout` in (0, 1). */
function checkMaskBits(
  inputs: Record<string, Info | undefined>,
  attrs: StepAttrs,
  widths: number[],
  batch: number,
): void {
  if (inputs[stepInput('maskBits', 0)] === undefined) return;
  if (inputs[stepInput('mask', 0)] !== undefined)
    fail('maskBits0', 'give mask{i} or maskBits{i}, not both');
  const p = attrs.dropout;
  if (!(typeof p === 'number' && p > 0 && Math.round(p * 2 ** 32) < 2 ** 32)) {
    fail('dropout', `with maskBits{i}, dropout must be in (0, 1), got ${p}`);
  }
  for (let i = 0; i < attrs.layers - 1; i++) {
    expectShape(inputs, stepInput('maskBits', i), [batch, widths[i + 1] as number], 'int32');
  }
}

/**
 * Which hidden layers are batch-normalized (those with a `gamma{i}` input), their six inputs checked
 * against the layer's width and the batch norm attributes against their ranges.
 */
export function checkNorms(
  inputs: Record<string, Info | undefined>,
  attrs: StepAttrs,
  widths: number[],
): boolean[] {
  const normed = widths.slice(1, -1).map((_, i) => inputs[stepInput('gamma', i)] !== undefined);
  if (inputs[stepInput('gamma', widths.length - 2)] !== undefined) {
    fail('gamma', 'the last layer has no batch norm');
  }
  if (!normed.includes(true)) return normed;
  const { normEps: eps, normMomentum: momentum } = attrs;
  if (!(typeof eps === 'number' && eps > 0)) fail('normEps', `normEps must be > 0, got ${eps}`);
  if (!(typeof momentum === 'number' && momentum >= 0 && momentum <= 1)) {
    fail('normMomentum', `normMomentum must be in [0, 1], got ${momentum}`);
  }
  if ((inputs.labels?.shape[0] ?? 0) < 2) {
    fail('labels', 'batch norm in training needs a batch of at least 2 rows');
  }
  normed.forEach((on, i) => {
    if (on)
      for (const p of NORM_INPUTS) expectShape(inputs, stepInput(p, i), [widths[i + 1] as number]);
  });
  return normed;
}

/** Fails naming the first label that is not a class in `[0, classes)`. */
export function checkLabels(backend: StepBackend, labels: Info, classes: number): void {
  labelsView(backend, labels).forEach((label, r) => {
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      fail('labels', `label ${label} at row ${r} is not a class in [0, ${classes})`);
    }
  });
}

/** The labels on the heap, as int32 or float32 numbers. */
export function labelsView(backend: StepBackend, labels: Info): Int32Array | Float32Array {
  if (labels.dtype === 'float32') return f32(backend, labels);
  if (labels.dtype !== 'int32')
    fail('labels', `labels must be int32 or float32, got ${labels.dtype}`);
  return i32(backend, labels);
}
