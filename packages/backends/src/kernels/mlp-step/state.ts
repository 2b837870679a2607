// What one call of the whole-step kernel (`kernels/mlp-step/kernel.ts`) works with, and its per-layer
// element-wise passes: in wasm SIMD where the engine has it, in JavaScript otherwise.

import {
  LAYER_INPUTS,
  type LayerInput,
  NORM_INPUTS,
  type NormInput,
  stepInput,
} from '@mnist-lab/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import type { SimdPasses, WordMask } from '../../wasm-simd/passes';
import { f32, f64At, heapOffset, i32 } from '../wasm-heap';
import type { StepAttrs } from './inputs';
import type { NormSaved, NormState } from './norm';
import { activate, columnSums, maskFromWords, type Scratch } from './passes';
import type { StepBackend, StepProducts } from './products';

type Info = tf.TensorInfo;

/** What one call of the kernel works with, shared by its forward and backward passes. */
export interface Step {
  readonly backend: StepBackend;
  readonly products: StepProducts;
  readonly scratch: Scratch;
  /** The element-wise passes in wasm SIMD, where the engine has it. */
  readonly passes: SimdPasses | undefined;
  /** With `maskBits{i}` inputs, how their words make masks. */
  readonly words: WordMask | undefined;
  /** With `passes`, a heap buffer for a layer's float64 column sums (8-byte aligned at `sumsAt`). */
  readonly sumsAt: number;
  /** With `passes`, room for a layer's float64 batch norm scales (8-byte aligned). */
  readonly scaleAt: number;
  readonly inputs: Record<string, Info | undefined>;
  readonly attrs: StepAttrs;
  readonly widths: number[];
  /** Per layer, where its batch norm's six outputs start in `out`, or -1 without one. */
  readonly normAt: number[];
  /** The outputs, in the contract's `stepStateInputs` order. */
  readonly out: Info[];
  readonly batch: number;
  /** Heap buffers the call allocated, freed at its end. */
  readonly temps: Info[];
}

/** Layer `layer`'s output `which` (its new weight, bias or velocity). */
export const param = (s: Step, layer: number, which: LayerInput) =>
  s.out[LAYER_INPUTS.length * layer + LAYER_INPUTS.indexOf(which)] as Info;

/** Batch-normalized layer `layer`'s output `which` (its new γ, β, velocity or running statistic). */
export const normParam = (s: Step, layer: number, which: NormInput) =>
  s.out[(s.normAt[layer] as number) + NORM_INPUTS.indexOf(which)] as Info;
export const at = (s: Step, t: Info) => heapOffset(s.backend, t);

/**
 * What the backward pass multiplies a hidden layer's gradient by (`mask · act'(z)`): a heap buffer
 * where the SIMD pass made it, else a scratch array.
 */
export type Factor = Info | Float32Array;

/**
 * Layer `i`'s activation pass over its output `z` (bias added unless batch norm did, dropout mask
 * applied): ReLU and sigmoid in wasm SIMD where it can (`n` a multiple of 4), anything else in
 * JavaScript.
 */
export function activation(s: Step, i: number, z: Info, bias: Info | undefined): Factor {
  const { backend, batch } = s;
  const n = s.widths[i + 1] as number;
  const words = s.inputs[stepInput('maskBits', i)];
  const mask = s.inputs[stepInput('mask', i)] ?? words;
  const act = i === s.attrs.layers - 1 ? 'none' : s.attrs.activation;
  if (s.passes !== undefined && act !== 'none' && n % 4 === 0) {
    const factor = backend.makeOutput([batch, n], 'float32');
    s.temps.push(factor);
    const offset = (t: Info | undefined) => (t === undefined ? 0 : at(s, t));
    const rule = words === undefined ? undefined : s.words;
    s.passes[act](at(s, z), offset(bias), offset(mask), at(s, factor), batch, n, rule);
    return factor;
  }
  const factor = s.scratch.get(`factor${i}`, batch * n);
  const view = (t: Info | undefined) => (t === undefined ? undefined : f32(backend, t));
  const rule = s.words as WordMask;
  const maskView =
    words === undefined
      ? view(mask)
      : maskFromWords(
          i32(backend, words),
          rule.threshold,
          rule.keep,
          s.scratch.get('mask', batch * n),
        );
  activate(f32(backend, z), n, view(bias), maskView, factor, act);
  return factor;
}

/** `g ← g · factor` for the gradient `g` at a hidden layer's output. */
export function applyFactor(s: Step, g: Info, factor: Factor): void {
  if (!(factor instanceof Float32Array) && s.passes !== undefined) {
    s.passes.mul(
      at(s, g),
      at(s, factor),
      g.shape.reduce((a, b) => a * b, 1),
    );
    return;
  }
  const [v, f] = [
    f32(s.backend, g),
    factor instanceof Float32Array ? factor : f32(s.backend, factor),
  ];
  for (let k = 0; k < v.length; k++) v[k] = (v[k] as number) * (f[k] as number);
}

/** The column sums of `dz` (`[batch, n]`) in float64: in wasm SIMD where it can (`n` even). */
export function sumsOf(s: Step, dz: Info, n: number): Float64Array {
  if (s.passes !== undefined && n % 2 === 0) {
    s.passes.colsum(at(s, dz), s.sumsAt, s.batch, n);
    return f64At(s.backend, s.sumsAt, n);
  }
  return columnSums(f32(s.backend, dz), s.scratch.sums(n));
}

/** Whether layer `i` has a batch norm. */
export const normed = (s: Step, i: number) => (s.normAt[i] ?? -1) >= 0;

/** Layer `i`'s batch norm state (views made now), or `undefined` without one. */
export function normState(s: Step, i: number): NormState | undefined {
  const at = s.normAt[i] ?? -1;
  if (at < 0) return undefined;
  const views = NORM_INPUTS.map((_, j) => f32(s.backend, s.out[at + j] as Info));
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

export const normSaved = (s: Step, i: number): NormSaved => {
  const n = s.widths[i + 1] as number;
  return {
    xHat: s.scratch.get(`xHat${i}`, s.batch * n),
    invStd: s.scratch.get(`invStd${i}`, n),
    mean: s.scratch.get(`mean${i}`, n),
  };
};
