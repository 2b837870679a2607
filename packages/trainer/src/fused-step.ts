import {
  LAYER_INPUTS,
  type LayerInput,
  MLP_SGD_STEP_KERNEL,
  type MlpSgdStepAttrs,
  NORM_INPUTS,
  type NormInput,
  stepInput,
} from '@mnist-lab/contracts';
import {
  crossEntropy,
  type DenseNorm,
  type DenseStack,
  type Module,
  nllLoss,
} from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './evaluate';
import type { FusedMomentumOptimizer } from './optimizer';

/** What a step returns to `fit`: the batch's mean loss and correct count, on the device. */
export interface StepResult {
  loss: tf.Scalar;
  correct: tf.Tensor;
}

function fusedOptimizer(optimizer: tf.Optimizer): FusedMomentumOptimizer | undefined {
  // Not `instanceof`: tfjs's optimizers answer it by duck typing.
  const o = optimizer as Partial<FusedMomentumOptimizer>;
  return typeof o.fusedUpdate === 'function' ? (o as FusedMomentumOptimizer) : undefined;
}

/**
 * The kernel's state inputs by name, in the order it returns their new values (the contract's
 * `stepStateInputs`: per layer its `LAYER_INPUTS`, then per batch norm its `NORM_INPUTS`). `velocities` are in `fusedUpdate`'s order: the layers' weights and biases, then γ, β.
 */
function stateInputs(
  stack: DenseStack,
  velocities: readonly tf.Variable[],
): [string, tf.Variable][] {
  const v = (k: number) => velocities[k] as tf.Variable;
  const L = stack.layers.length;
  const layers = stack.layers.map(
    (l, i): Record<LayerInput, tf.Variable> => ({
      weight: l.weight,
      bias: l.bias,
      weightVelocity: v(2 * i),
      biasVelocity: v(2 * i + 1),
    }),
  );
  const norms = stack.norms.map(
    (n, i): Record<NormInput, tf.Variable> => ({
      gamma: n.weight,
      beta: n.bias,
      gammaVelocity: v(2 * L + 2 * i),
      betaVelocity: v(2 * L + 2 * i + 1),
      runningMean: n.runningMean,
      runningVar: n.runningVar,
    }),
  );
  return [
    ...layers.flatMap((l, i) =>
      LAYER_INPUTS.map((k): [string, tf.Variable] => [stepInput(k, i), l[k]]),
    ),
    ...norms.flatMap((n, i) =>
      NORM_INPUTS.map((k): [string, tf.Variable] => [stepInput(k, i), n[k]]),
    ),
  ];
}

/** Whether the kernel computes this stack's batch norms: one per hidden layer, the same constants, at least 2 rows. */
function normsFit(stack: DenseStack, batch: number): boolean {
  const { norms } = stack;
  if (norms.length === 0) return true;
  const [first] = norms as [DenseNorm];
  return (
    batch >= 2 &&
    norms.length === stack.layers.length - 1 &&
    norms.every((n) => n.eps === first.eps && n.momentum === first.momentum)
  );
}

/** Each array of words as int32 (the kernel's dtype), the view made once per array. */
function int32Views(): (w: Uint32Array) => Int32Array {
  const int32 = new WeakMap<Uint32Array, Int32Array>();
  return (w) => {
    let view = int32.get(w);
    if (view === undefined) {
      view = new Int32Array(w.buffer, w.byteOffset, w.length);
      int32.set(w, view);
    }
    return view;
  };
}

/** A fused step prepared once for a model, optimizer, parameter list and loss ({@link planFusedStep}). */
export interface FusedStepPlan {
  /** Whether {@link FusedStepPlan.step} would step on a batch with these labels (checks the same things, draws nothing). */
  accepts(y: tf.Tensor): boolean;
  /**
   * The step on this batch, as {@link fusedStep} takes it; `undefined` when this batch cannot be
   * fused (labels not a vector of class indices; one row with batch norm), and then nothing was
   * computed or drawn. Disposes `x` and `y` when it steps.
   */
  step(x: tf.Tensor, y: tf.Tensor): StepResult | undefined;
}

/**
 * Checks once what {@link fusedStep} checks at every call (the backend's kernel, the model, the
 * parameters, the loss, the optimizer) and makes the optimizer's velocities; `undefined` when the
 * step cannot be fused. Its steps read the learning rate and momentum as they are then (a schedule
 * may change them) and draw each batch's dropout words into the same arrays. For one model,
 * optimizer and backend: `fit` makes one per run, after a checkpoint has restored the velocities.
 */
export function planFusedStep(
  model: Module,
  optimizer: tf.Optimizer,
  params: readonly tf.Variable[],
  loss: LossFn,
): FusedStepPlan | undefined {
  const backend = tf.getBackend();
  if (tf.getKernel(MLP_SGD_STEP_KERNEL, backend) === undefined) return undefined;
  const sgd = fusedOptimizer(optimizer);
  const stack = model.denseStack();
  if (sgd === undefined || stack === undefined) return undefined;
  if (!(loss === crossEntropy || (loss === nllLoss && stack.output === 'log-softmax'))) {
    return undefined;
  }
  const ordered = [
    ...stack.layers.flatMap((l) => [l.weight, l.bias]),
    ...stack.norms.flatMap((n) => [n.weight, n.bias]),
  ];
  if (ordered.length !== params.length || ordered.some((p) => !params.includes(p))) {
    return undefined;
  }
  const update = sgd.fusedUpdate(ordered);
  if (update === undefined) return undefined;
  const state = stateInputs(stack, update.velocities);
  const widths = stack.layers.slice(0, -1).map((l) => l.weight.shape[0] as number);
  const norm = stack.norms[0];
  const normAttrs = norm === undefined ? {} : { normEps: norm.eps, normMomentum: norm.momentum };
  let words: Uint32Array[] = [];
  const asInt32 = int32Views();
  const accepts = (y: tf.Tensor) =>
    y.rank === 1 && tf.getBackend() === backend && normsFit(stack, y.shape[0] as number);
  return {
    accepts,
    step(x, y) {
      if (!accepts(y)) return undefined;
      const batch = y.shape[0] as number;
      // The same words as newly drawn arrays would hold; the tensors made from them are gone
      // before the next step fills them again.
      words = stack.drawMaskBits(
        batch,
        words[0]?.length === batch * (widths[0] ?? 0) ? words : undefined,
      );
      const masks = words.map((w, i) => tf.tensor2d(asInt32(w), [batch, widths[i] as number]));
      const inputs: tf.NamedTensorMap = { x, labels: y };
      for (const [name, v] of state) inputs[name] = v;
      masks.forEach((mask, i) => {
        inputs[stepInput('maskBits', i)] = mask;
      });
      const attrs: MlpSgdStepAttrs = {
        layers: stack.layers.length,
        activation: stack.activation,
        ...sgd.fusedRates(),
        ...(masks.length === 0 ? {} : { dropout: stack.dropout }),
        ...normAttrs,
      };
      const [lossValue, correct, ...updated] = tf
        .engine()
        .runKernel(MLP_SGD_STEP_KERNEL, inputs, attrs) as tf.Tensor[];
      state.forEach(([, v], i) => {
        v.assign(updated[i] as tf.Tensor);
      });
      for (const n of stack.norms) {
        tf.tidy(() =>
          n.numBatchesTracked.assign(tf.add(n.numBatchesTracked, tf.scalar(1, 'int32'))),
        );
      }
      tf.dispose([x, y, ...masks, ...updated]);
      sgd.countFusedStep();
      return { loss: lossValue as tf.Scalar, correct: correct as tf.Tensor };
    },
  };
}

/**
 * The same step as `optimizer.minimize(loss(model.forward(x)))`, in one `MLP_SGD_STEP_KERNEL` (`@mnist-lab/contracts`)
 * call, when everything allows it: the active backend has the kernel, the model is a
 * dense stack (`Module.denseStack()`, with or without batch norm), `params` are exactly its
 * weights and biases (and batch norms' γ and β), the loss is the cross-entropy (or `nllLoss` of
 * log-probabilities) and the optimizer is SGD with momentum. Batch norms' running statistics and
 * batch counts move as `forward` moves them. Otherwise `undefined`, and nothing was computed or
 * drawn. Disposes `x` and `y` when it steps. For many steps, {@link planFusedStep} checks once.
 */
export function fusedStep(
  model: Module,
  optimizer: tf.Optimizer,
  params: readonly tf.Variable[],
  loss: LossFn,
  x: tf.Tensor,
  y: tf.Tensor,
): StepResult | undefined {
  return planFusedStep(model, optimizer, params, loss)?.step(x, y);
}
