// Batch norm inside the whole-step kernel in wasm SIMD (`wasm-simd/norm.ts`): the same arithmetic
// as `normForward` and `normBackward` in `kernels/mlp-step/norm.ts`, bit for bit, on heap buffers.
import type * as tf from '@tensorflow/tfjs-core';
import { f32, f64At } from '../wasm-heap';
import { normParamStep, updateStats } from './norm';
import { at, normParam, normState, type Step } from './state';

type Info = tf.TensorInfo;

/** A normalized layer's heap buffers, kept from the forward pass for the backward one. */
export interface HeapNorm {
  readonly xHat: Info;
  readonly invStd: Info;
  readonly mean: Info;
}

/** Whether layer `i`'s batch norm runs in SIMD: the passes are there and its width a multiple of 4. */
export const simdNorm = (s: Step, i: number) =>
  s.passes !== undefined && (s.widths[i + 1] as number) % 4 === 0;

/** Batch norm of layer `i`'s product `z` (its bias added first), in SIMD; returns what backward needs. */
export function normForwardSimd(s: Step, i: number, z: Info, bias: Info): HeapNorm {
  const { backend, batch } = s;
  const passes = s.passes as NonNullable<Step['passes']>;
  const n = s.widths[i + 1] as number;
  const saved: HeapNorm = {
    xHat: backend.makeOutput([batch, n], 'float32'),
    invStd: backend.makeOutput([n], 'float32'),
    mean: backend.makeOutput([n], 'float32'),
  };
  s.temps.push(saved.xHat, saved.invStd, saved.mean);
  passes.addRows(at(s, z), at(s, bias), batch, n);
  passes.colsum(at(s, z), s.sumsAt, batch, n);
  const mean = f32(backend, saved.mean);
  const sums = f64At(backend, s.sumsAt, n);
  for (let j = 0; j < n; j++) mean[j] = (sums[j] as number) / batch;
  passes.sqdev(at(s, z), at(s, saved.mean), s.sumsAt, batch, n);
  const norm = normState(s, i) as NonNullable<ReturnType<typeof normState>>;
  const { normEps, normMomentum } = s.attrs;
  updateStats(
    sums,
    mean,
    batch,
    norm,
    f32(backend, saved.invStd),
    normEps as number,
    normMomentum as number,
  );
  const [gamma, beta] = [normParam(s, i, 'gamma'), normParam(s, i, 'beta')];
  passes.normalize(
    at(s, z),
    at(s, saved.mean),
    at(s, saved.invStd),
    at(s, gamma as Info),
    at(s, beta as Info),
    at(s, saved.xHat),
    batch,
    n,
  );
  return saved;
}

/**
 * From the gradient `dy` at layer `i`'s normalized output (after the activation's factor), in
 * place: the gradient at its product plus bias; then γ and β take their momentum step.
 */
export function normBackwardSimd(
  s: Step,
  i: number,
  dy: Info,
  saved: HeapNorm,
  m: number,
  c: number,
) {
  const { backend, batch } = s;
  const passes = s.passes as NonNullable<Step['passes']>;
  const n = s.widths[i + 1] as number;
  passes.dsums(at(s, dy), at(s, saved.xHat), s.sumsAt, batch, n);
  const gamma = f32(backend, normParam(s, i, 'gamma'));
  const invStd = f32(backend, saved.invStd);
  const scale = f64At(backend, s.scaleAt, n);
  for (let j = 0; j < n; j++) scale[j] = ((gamma[j] as number) * (invStd[j] as number)) / batch;
  passes.normgrad(at(s, dy), at(s, saved.xHat), s.scaleAt, s.sumsAt, batch, n, batch);
  normParamStep(
    f64At(backend, s.sumsAt, 2 * n),
    normState(s, i) as NonNullable<ReturnType<typeof normState>>,
    m,
    c,
  );
}
