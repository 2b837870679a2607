import type { Module } from '@mnist-lab/layers';
import type { RngState } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from './errors';
import type { EpochRecord } from './events';
import type { ProbeRecord } from './probes';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from './safetensors';

/** Where training stood when a checkpoint was taken: everything but the tensors. */
export interface TrainingPosition {
  /** 0-based epoch in progress (or about to start). */
  readonly epoch: number;
  /** Batches of that epoch already done. */
  readonly batch: number;
  readonly globalStep: number;
  /** The epoch's running sums so far: loss × examples, correct predictions, examples. */
  readonly partial: {
    readonly lossSum: number;
    readonly correct: number;
    readonly seen: number;
    readonly seconds: number;
    /** The epoch's probes so far (with probes on). */
    readonly probes?: readonly ProbeRecord[];
  };
  readonly history: readonly EpochRecord[];
  /** States of the model's random generators, by name. */
  readonly rng: Readonly<Record<string, RngState>>;
  /** Free-form run info (the CLI stores its config here). */
  readonly run?: unknown;
}

/** A whole checkpoint: the model's state dict, the optimizer's slots, and the position, as bytes. */
export interface CheckpointData {
  /** `model.safetensors`: the state dict with PyTorch's names and layouts. */
  readonly model: Uint8Array;
  /** `optimizer.safetensors`: the optimizer's slots in tfjs's order (`iter` first). */
  readonly optimizer: Uint8Array;
  readonly position: TrainingPosition;
}

/** Somewhere to keep checkpoints: the Node file store, or your own. */
export interface CheckpointStore {
  /** Saves atomically; returns where (for events). */
  save(checkpoint: CheckpointData): Promise<string>;
  /** The newest complete checkpoint, or undefined. */
  loadLatest(): Promise<CheckpointData | undefined>;
}

/** A tensor's values in safetensors terms (int32 buffers are saved as int64, as PyTorch has them). */
async function stored(t: tf.Tensor): Promise<StoredTensor> {
  const data = await t.data();
  if (t.dtype === 'float32') return { dtype: 'F32', shape: t.shape, data: data as Float32Array };
  if (t.dtype === 'int32')
    return { dtype: 'I64', shape: t.shape, data: Array.from(data as Int32Array) };
  throw new TrainerError('bad-checkpoint', `cannot store a ${t.dtype} tensor`);
}

/** The model's state dict as safetensors bytes, with PyTorch's names and layouts. */
export async function encodeStateDict(
  model: Module,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const entries: Record<string, StoredTensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) entries[name] = await stored(t);
  return encodeSafetensors(entries, { format: 'pt', ...metadata });
}

/** Refuses weights that are not finite, naming the tensor: they would only ever predict garbage. */
function assertFinite(tensors: Record<string, StoredTensor>, file: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'F32' && t.dtype !== 'F64') continue;
    const data = t.data as Float32Array | Float64Array;
    const at = data.findIndex((v) => !Number.isFinite(v));
    if (at >= 0) {
      throw new TrainerError(
        'bad-checkpoint',
        `${file}: tensor '${name}' holds ${data[at]} at element ${at}; expected finite values`,
      );
    }
  }
}

/** Loads safetensors bytes into a model by PyTorch name (shapes and names must match). */
export function loadStateDictBytes(
  model: Module,
  bytes: Uint8Array,
  file = 'model.safetensors',
): void {
  const { tensors } = decodeSafetensors(bytes, file);
  assertFinite(tensors, file);
  const state: Record<string, tf.Tensor> = {};
  try {
    for (const [name, t] of Object.entries(tensors)) {
      const values = t.data instanceof Float64Array ? Float32Array.from(t.data) : t.data;
      state[name] = tf.tensor(
        values as Float32Array | Int32Array,
        t.shape as number[],
        t.dtype === 'F32' || t.dtype === 'F64' ? 'float32' : 'int32',
      );
    }
    model.loadStateDict(state);
  } catch (error) {
    if (TrainerError.isInstance(error)) throw error;
    throw new TrainerError('bad-checkpoint', `${file}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    tf.dispose(Object.values(state));
  }
}

/**
 * What an optimizer keeps besides its slots and that `setWeights` does not put back as it was:
 * Adam's running products β₁ᵗ and β₂ᵗ, which it multiplies step by step in float32 and which tfjs's
 * `setWeights` recomputes as `pow(β, t + 1)`, another rounding (a resumed run drifted by up to 7e-4).
 */
const RUNNING_PRODUCTS = ['accBeta1', 'accBeta2'] as const;

/** The optimizer's running products (Adam's), where it has them. */
function runningProducts(optimizer: tf.Optimizer): [string, tf.Variable][] {
  const o = optimizer as unknown as Record<string, unknown>;
  return RUNNING_PRODUCTS.flatMap((k) =>
    o[k] instanceof tf.Variable ? [[k, o[k] as tf.Variable] as [string, tf.Variable]] : [],
  );
}

/** The optimizer's slots as safetensors bytes, in tfjs's order, and its running products by name. */
export async function encodeOptimizer(optimizer: tf.Optimizer): Promise<Uint8Array> {
  const entries: Record<string, StoredTensor> = {};
  const weights = await optimizer.getWeights();
  try {
    for (const [i, w] of weights.entries()) {
      entries[`${String(i).padStart(4, '0')}:${w.name.split('/').pop()}`] = await stored(w.tensor);
    }
    for (const [name, v] of runningProducts(optimizer))
      entries[`running:${name}`] = await stored(v);
  } finally {
    // tfjs makes a new scalar for the step count (`iter`); the other slots are the optimizer's own.
    tf.dispose(weights.filter((w) => w.name === 'iter').map((w) => w.tensor));
  }
  return encodeSafetensors(entries);
}

/** Restores slots saved by {@link encodeOptimizer} into an optimizer of the same config. */
export async function loadOptimizerBytes(
  optimizer: tf.Optimizer,
  bytes: Uint8Array,
  file = 'optimizer.safetensors',
): Promise<void> {
  const { tensors } = decodeSafetensors(bytes, file);
  assertFinite(tensors, file);
  const named = Object.entries(tensors)
    .filter(([name]) => !name.startsWith('running:'))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, t]) => ({
      name,
      tensor: tf.tensor(
        t.data as Float32Array,
        t.shape as number[],
        t.dtype === 'F32' ? 'float32' : 'int32',
      ),
    }));
  // tfjs keeps `iter` as a number; the other slots become variables made from these tensors.
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  // Then the running products as they were (setWeights recomputed them); an older checkpoint
  // without them keeps setWeights' values.
  for (const [name, v] of runningProducts(optimizer)) {
    const saved = tensors[`running:${name}`];
    if (saved !== undefined)
      tf.tidy(() => v.assign(tf.scalar((saved.data as Float32Array)[0] ?? 1)));
  }
}
