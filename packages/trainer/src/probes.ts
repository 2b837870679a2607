import type { LayerTap, Module } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './evaluate';
import type { FusedStepPlan, StepResult } from './fused-step';

/**
 * The fixed bins of every probe histogram: 32 bins of width 0.5 over [-8, 8]; a value below or
 * above falls into the first or last bin.
 */
export const PROBE_HISTOGRAM = { min: -8, max: 8, bins: 32 } as const;

/** An activation's output counts as saturated within this distance of its bounds (sigmoid 0 and 1, tanh ±1). */
export const SATURATION_MARGIN = 0.05;

/** Mean, standard deviation (over every example and unit) and, for some, a fixed-bin histogram. */
export interface Distribution {
  readonly mean: number;
  readonly std: number;
  /** Counts per bin of {@link PROBE_HISTOGRAM}. */
  readonly histogram?: number[];
}

/** What a probe saw in one layer. */
export interface LayerProbe {
  /** The product plus bias, before batch norm. */
  readonly linear: Distribution;
  /** Hidden layers: the activation's input (after batch norm where there is one). */
  readonly pre?: Distribution;
  /** Hidden layers: the activation's output, before dropout. */
  readonly act?: Distribution;
  /** Sigmoid and tanh: the fraction of outputs within {@link SATURATION_MARGIN} of the bounds. */
  readonly saturated?: number;
  /** ReLU: the fraction of units that output 0 for every example of the batch. */
  readonly dead?: number;
}

/**
 * One look inside the network during a training step (before its update): per layer, the
 * distributions of its values; per parameter (PyTorch names), the gradient's norm, the weight's
 * norm and the update's norm relative to the weight's.
 */
export interface ProbeRecord {
  /** 1-based epoch. */
  readonly epoch: number;
  /** Updates done before this step (the first step of a run is step 0). */
  readonly step: number;
  readonly layers: Record<string, LayerProbe>;
  readonly gradNorm: Record<string, number>;
  readonly weightNorm: Record<string, number>;
  /** ‖W after − W before‖ / ‖W before‖ for this step's update (NaN where ‖W before‖ is 0). */
  readonly updateRatio: Record<string, number>;
}

/** Options of probes in {@link FitOptions}. */
export interface ProbeOptions {
  /** Probe every this many steps, from the first (step 0). */
  readonly every: number;
}

/**
 * A probed training step: the same update, bit for bit, as the step `fit` takes otherwise, with the
 * layers' values kept from a forward pass, the gradients measured before the update and the weights
 * before and after it. Every statistic is computed on the device and read in one go.
 *
 * Unfused, the step is the optimizer's `computeGradients` then `applyGradients`, as `minimize` does,
 * in the same order. With `fused` (the plan `fit` steps through) and a batch it accepts, the taps
 * and gradient norms come from a side computation (tfjs's forward and gradients, which differ from
 * the kernel's by float32 rounding), after which the dropout generators and batch norms' running
 * statistics are put back as they were, and the update is the fused kernel's: the same masks, the
 * same bits as an unprobed step.
 */
export async function probedStep(
  model: Module,
  optimizer: tf.Optimizer,
  loss: LossFn,
  x: tf.Tensor,
  y: tf.Tensor,
  where: { epoch: number; step: number },
  fused?: FusedStepPlan,
): Promise<{ loss: tf.Scalar; correct: tf.Tensor; probe: ProbeRecord }> {
  const named = model.namedParameters();
  const params = named.map(([, v]) => v);
  const taps: LayerTap[] = [];
  let correct: tf.Tensor | undefined;
  const before = params.map((p) => tf.clone(p));
  const side = fused?.accepts(y) === true ? saveMovingState(model) : undefined;
  const { value, grads } = optimizer.computeGradients(() => {
    const out = model.forward(x, {
      training: true,
      tap: (t) => {
        tf.keep(t.linear);
        if (t.pre !== undefined) tf.keep(t.pre);
        if (t.act !== undefined) tf.keep(t.act);
        taps.push(t);
      },
    });
    correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(y, 'int32')), 'float32')));
    return loss(out, y);
  }, params);
  const gradNorms = tf.tidy(() => params.map((p) => l2(grads[p.name] as tf.Tensor)));
  let result: StepResult;
  if (side !== undefined && fused !== undefined) {
    tf.dispose([value, correct as tf.Tensor]);
    tf.dispose(grads);
    side.restore();
    // `accepts` said yes, and nothing it checks has changed since.
    result = fused.step(x, y) as StepResult;
  } else {
    optimizer.applyGradients(
      params.map((p) => ({ name: p.name, tensor: grads[p.name] as tf.Tensor })),
    );
    tf.dispose(grads);
    tf.dispose([x, y]);
    result = { loss: value as tf.Scalar, correct: correct as tf.Tensor };
  }
  let read: Reader | undefined;
  const values = tf.tidy(() => {
    const collected = collect(taps, params, before, gradNorms);
    read = collected.read;
    return collected.values;
  });
  tf.dispose([
    ...before,
    ...gradNorms,
    ...taps.flatMap((t) => [t.linear, t.pre, t.act].filter((v) => v !== undefined)),
  ]);
  const data = await values.data();
  values.dispose();
  return {
    ...result,
    probe: (read as Reader)(
      data,
      where,
      named.map(([n]) => n),
      taps,
    ),
  };
}

/**
 * What a training forward pass moves besides the weights (the generators' states, the buffers such
 * as batch norms' running statistics), saved so that a side computation can be undone.
 */
function saveMovingState(model: Module): { restore(): void } {
  const generators = model.namedGenerators().map(([, rng]) => [rng, rng.getState()] as const);
  const buffers = model.namedBuffers().map(([, v]) => [v, tf.clone(v)] as const);
  return {
    restore() {
      for (const [rng, state] of generators) rng.setState(state);
      for (const [v, saved] of buffers) {
        v.assign(saved);
        saved.dispose();
      }
    },
  };
}

type Reader = (
  data: Float32Array | Int32Array | Uint8Array,
  where: { epoch: number; step: number },
  names: string[],
  taps: LayerTap[],
) => ProbeRecord;

/** Every statistic as one flat tensor, and how to read it back into a record. */
function collect(
  taps: LayerTap[],
  params: tf.Variable[],
  before: tf.Tensor[],
  gradNorms: tf.Tensor[],
): { values: tf.Tensor; read: Reader } {
  const parts: tf.Tensor[] = [];
  const push = (t: tf.Tensor) => {
    const flat = tf.reshape(t, [-1]);
    parts.push(flat);
    return flat.size;
  };
  for (const t of taps) {
    moments(t.linear).forEach(push);
    if (t.pre !== undefined && t.act !== undefined) {
      for (const v of [t.pre, t.act]) {
        moments(v).forEach(push);
        push(histogram(v));
      }
      push(t.activation === 'relu' ? deadFraction(t.act) : saturatedFraction(t.act, t.activation));
    }
  }
  params.forEach((p, i) => {
    const w = before[i] as tf.Tensor;
    const weightNorm = l2(w);
    push(gradNorms[i] as tf.Tensor);
    push(weightNorm);
    // Undefined (NaN) for a weight of norm 0, as batch norm's bias starts.
    push(
      tf.where(
        tf.greater(weightNorm, 0),
        tf.div(l2(tf.sub(p, w)), weightNorm),
        tf.scalar(Number.NaN),
      ),
    );
  });
  const read: Reader = (data, where, names, tapsRead) => {
    let at = 0;
    const next = () => data[at++] as number;
    const dist = (withHistogram: boolean): Distribution => {
      const mean = next();
      const std = next();
      if (!withHistogram) return { mean, std };
      const histogram = Array.from(data.subarray(at, at + PROBE_HISTOGRAM.bins), Math.round);
      at += PROBE_HISTOGRAM.bins;
      return { mean, std, histogram };
    };
    const layers: Record<string, LayerProbe> = {};
    for (const t of tapsRead) {
      const linear = dist(false);
      if (t.pre === undefined || t.act === undefined) {
        layers[t.name] = { linear };
        continue;
      }
      const pre = dist(true);
      const act = dist(true);
      const fraction = next();
      const kind =
        t.activation === 'relu'
          ? { dead: fraction }
          : t.activation === 'sigmoid' || t.activation === 'tanh'
            ? { saturated: fraction }
            : {};
      layers[t.name] = { linear, pre, act, ...kind };
    }
    const gradNorm: Record<string, number> = {};
    const weightNorm: Record<string, number> = {};
    const updateRatio: Record<string, number> = {};
    for (const name of names) {
      gradNorm[name] = next();
      weightNorm[name] = next();
      updateRatio[name] = next();
    }
    return { ...where, layers, gradNorm, weightNorm, updateRatio };
  };
  return { values: tf.concat(parts), read };
}

/** Mean and population standard deviation over every element. */
function moments(t: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const { mean, variance } = tf.moments(t);
  return [mean, tf.sqrt(variance)];
}

/** The Euclidean (Frobenius) norm: as `tf.norm`, which is 17× slower on wasm (its `pow`). */
function l2(t: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.sum(tf.square(t)));
}

/**
 * Counts per bin of {@link PROBE_HISTOGRAM} (as float32: exact up to 2^24 values), with the
 * backend's `Bincount` kernel where it has one, else a one-hot sum (10× slower on wasm).
 */
function histogram(t: tf.Tensor): tf.Tensor {
  const { min, max, bins } = PROBE_HISTOGRAM;
  const width = (max - min) / bins;
  const index = tf.cast(
    tf.clipByValue(tf.floor(tf.div(tf.sub(tf.reshape(t, [-1]), min), width)), 0, bins - 1),
    'int32',
  ) as tf.Tensor1D;
  if (tf.getKernel('Bincount', tf.getBackend()) !== undefined)
    return tf.cast(tf.bincount(index, [], bins), 'float32');
  return tf.sum(tf.oneHot(index, bins), 0);
}

/** The fraction of units (columns) that are 0 for every example (row). */
function deadFraction(act: tf.Tensor): tf.Tensor {
  return tf.mean(tf.cast(tf.lessEqual(tf.max(act, 0), 0), 'float32'));
}

/** The fraction of outputs within {@link SATURATION_MARGIN} of the activation's bounds. */
function saturatedFraction(act: tf.Tensor, activation: string | undefined): tf.Tensor {
  const m = SATURATION_MARGIN;
  if (activation === 'sigmoid')
    return tf.mean(tf.cast(tf.logicalOr(tf.less(act, m), tf.greater(act, 1 - m)), 'float32'));
  if (activation === 'tanh') return tf.mean(tf.cast(tf.greater(tf.abs(act), 1 - m), 'float32'));
  return tf.scalar(Number.NaN);
}
