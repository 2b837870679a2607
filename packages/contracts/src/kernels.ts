// The two fused kernels, as tfjs-core declares its own: the name, the inputs and attributes with named
// positions, the outputs' order. `@mnist-lab/trainer` calls them where the active backend has them
// registered; `@mnist-lab/backends` registers them for wasm. Neither package knows the other: both
// import this module.

/**
 * PyTorch's SGD-with-momentum update of one parameter, `v' = μ·v + g; p' = p − lr·v'`, in one call
 * instead of tfjs's four. Inputs {@link SgdMomentumInputs}, attributes {@link SgdMomentumAttrs},
 * outputs `[newAccumulation, newValue]`.
 */
export const SGD_MOMENTUM_KERNEL = 'MnistLabSgdMomentum';

/** {@link SGD_MOMENTUM_KERNEL}'s inputs: float32 tensors of one shape. */
export interface SgdMomentumInputs<T> {
  /** The parameter. */
  readonly value: T;
  /** Its velocity `v`. */
  readonly accumulation: T;
  /** Its gradient `g`. */
  readonly gradient: T;
}

/** {@link SGD_MOMENTUM_KERNEL}'s attributes. */
export type SgdMomentumAttrs = {
  readonly lr: number;
  readonly momentum: number;
};

/**
 * A whole training step of a dense network in one call: per hidden layer `Linear → [batch norm] →
 * activation → dropout`, then `Linear`, the mean cross-entropy of the last layer's scores,
 * backpropagation, and SGD with momentum on every weight and bias (and batch norm's γ and β).
 *
 * Inputs ({@link MlpSgdStepInputs}): `x` `[batch, in]` float32; `labels` `[batch]` (int32, or
 * float32 holding integers); per layer `i` the four {@link LAYER_INPUTS}; per hidden layer with
 * batch norm the six {@link NORM_INPUTS}; per hidden layer with dropout `mask{i}` or `maskBits{i}`
 * ({@link stepInput}). Attributes: {@link MlpSgdStepAttrs}. Outputs: the mean loss, the number of
 * rows whose largest score is at the label (both scalars), then the new values of the state inputs
 * in {@link stepStateInputs}' order.
 */
export const MLP_SGD_STEP_KERNEL = 'MnistLabMlpSgdStep';

/**
 * A layer's inputs, in this order in the outputs: `weight` `[out, in]`, `bias` `[out]`, and their
 * velocities of the same shapes.
 */
export const LAYER_INPUTS = ['weight', 'bias', 'weightVelocity', 'biasVelocity'] as const;
/** One of {@link LAYER_INPUTS}. */
export type LayerInput = (typeof LAYER_INPUTS)[number];

/**
 * A batch-normalized hidden layer's inputs (PyTorch's `BatchNorm1d` in training mode, between its
 * `Linear` and its activation), all `[out]`, in this order in the outputs.
 */
export const NORM_INPUTS = [
  'gamma',
  'beta',
  'gammaVelocity',
  'betaVelocity',
  'runningMean',
  'runningVar',
] as const;
/** One of {@link NORM_INPUTS}. */
export type NormInput = (typeof NORM_INPUTS)[number];

/**
 * A hidden layer's dropout: `mask` `[batch, out]` float32 (0 or `1/(1−p)`), or `maskBits`
 * `[batch, out]` int32, random words the kernel makes the mask of with the attribute `dropout` (`p`):
 * a unit is kept, scaled by `1/(1−p)` in float32, where its word, unsigned, is at least `round(p·2³²)`.
 */
export type MaskInput = 'mask' | 'maskBits';

/** The name of a per-layer input: `stepInput('weight', 0)` is `weight0`. */
export function stepInput<K extends LayerInput | NormInput | MaskInput>(
  kind: K,
  layer: number,
): `${K}${number}` {
  return `${kind}${layer}` as `${K}${number}`;
}

/** The activations the step computes. */
export const STEP_ACTIVATIONS = ['relu', 'sigmoid'] as const;

/** {@link MLP_SGD_STEP_KERNEL}'s attributes. */
export type MlpSgdStepAttrs = {
  /** The number of `Linear` layers (≥ 1). */
  readonly layers: number;
  readonly activation: (typeof STEP_ACTIVATIONS)[number];
  readonly lr: number;
  readonly momentum: number;
  /** Batch norm's `eps` and running-statistics momentum (PyTorch's), with {@link NORM_INPUTS}. */
  readonly normEps?: number;
  readonly normMomentum?: number;
  /** With `maskBits{i}`: the dropout probability the masks are made with. */
  readonly dropout?: number;
};

/** {@link MLP_SGD_STEP_KERNEL}'s inputs by name. */
export type MlpSgdStepInputs<T> = { readonly x: T; readonly labels: T } & {
  readonly [name: `${LayerInput | NormInput | MaskInput}${number}`]: T | undefined;
};

/**
 * The state inputs whose new values the step returns, in the outputs' order (after the loss and
 * the count): per layer its {@link LAYER_INPUTS}, then per batch-normalized hidden layer (`normed[i]`)
 * its {@link NORM_INPUTS}.
 */
export function stepStateInputs(
  layers: number,
  normed: readonly boolean[],
): `${LayerInput | NormInput}${number}`[] {
  const out: `${LayerInput | NormInput}${number}`[] = [];
  for (let i = 0; i < layers; i++) for (const kind of LAYER_INPUTS) out.push(stepInput(kind, i));
  normed.forEach((on, i) => {
    if (on) for (const kind of NORM_INPUTS) out.push(stepInput(kind, i));
  });
  return out;
}
