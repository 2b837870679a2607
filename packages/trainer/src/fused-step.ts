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

/**
 * A whole training step of a dense network (forward, cross-entropy, backward, SGD with momentum)
 * as one kernel, which `@mnist-lab/backends` registers for wasm with OpenBLAS (its
 * `MLP_SGD_STEP_KERNEL`; inputs and outputs are documented there). The name is the whole
 * contract, so neither package depends on the other; any backend may register it.
 */
export const MLP_SGD_STEP_KERNEL = 'MnistLabMlpSgdStep';

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

/** The kernel's inputs and attributes for the stack's parameters, velocities and masks. */
function stepInputs(
  stack: DenseStack,
  velocities: readonly tf.Variable[],
  masks: readonly tf.Tensor[],
): tf.NamedTensorMap {
  const inputs: tf.NamedTensorMap = {};
  const L = stack.layers.length;
  stack.layers.forEach((layer, i) => {
    inputs[`weight${i}`] = layer.weight;
    inputs[`bias${i}`] = layer.bias;
    inputs[`weightVelocity${i}`] = velocities[2 * i] as tf.Variable;
    inputs[`biasVelocity${i}`] = velocities[2 * i + 1] as tf.Variable;
  });
  stack.norms.forEach((norm, i) => {
    inputs[`gamma${i}`] = norm.weight;
    inputs[`beta${i}`] = norm.bias;
    inputs[`gammaVelocity${i}`] = velocities[2 * L + 2 * i] as tf.Variable;
    inputs[`betaVelocity${i}`] = velocities[2 * L + 2 * i + 1] as tf.Variable;
    inputs[`runningMean${i}`] = norm.runningMean;
    inputs[`runningVar${i}`] = norm.runningVar;
  });
  masks.forEach((mask, i) => {
    inputs[`mask${i}`] = mask;
  });
  return inputs;
}

/** Every variable the kernel returns a new value for, in the order of its outputs. */
function updatedVariables(stack: DenseStack, velocities: readonly tf.Variable[]): tf.Variable[] {
  const L = stack.layers.length;
  return [
    ...stack.layers.flatMap((l, i) => [
      l.weight,
      l.bias,
      velocities[2 * i] as tf.Variable,
      velocities[2 * i + 1] as tf.Variable,
    ]),
    ...stack.norms.flatMap((n, i) => [
      n.weight,
      n.bias,
      velocities[2 * L + 2 * i] as tf.Variable,
      velocities[2 * L + 2 * i + 1] as tf.Variable,
      n.runningMean,
      n.runningVar,
    ]),
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

/**
 * The same step as `optimizer.minimize(loss(model.forward(x)))`, in one {@link MLP_SGD_STEP_KERNEL}
 * call, when everything allows it: the active backend has the kernel, the model is a
 * dense stack (`Module.denseStack()`, with or without batch norm), `params` are exactly its
 * weights and biases (and batch norms' γ and β), the loss is the cross-entropy (or `nllLoss` of
 * log-probabilities) and the optimizer is SGD with momentum. Batch norms' running statistics and
 * batch counts move as `forward` moves them. Otherwise `undefined`, and nothing was computed or
 * drawn. Disposes `x` and `y` when it steps.
 */
export function fusedStep(
  model: Module,
  optimizer: tf.Optimizer,
  params: readonly tf.Variable[],
  loss: LossFn,
  x: tf.Tensor,
  y: tf.Tensor,
): StepResult | undefined {
  if (tf.getKernel(MLP_SGD_STEP_KERNEL, tf.getBackend()) === undefined) return undefined;
  const sgd = fusedOptimizer(optimizer);
  const stack = model.denseStack();
  if (sgd === undefined || stack === undefined || y.rank !== 1) return undefined;
  if (!(loss === crossEntropy || (loss === nllLoss && stack.output === 'log-softmax'))) {
    return undefined;
  }
  const batch = y.shape[0] as number;
  if (!normsFit(stack, batch)) return undefined;
  const ordered = [
    ...stack.layers.flatMap((l) => [l.weight, l.bias]),
    ...stack.norms.flatMap((n) => [n.weight, n.bias]),
  ];
  if (ordered.length !== params.length || ordered.some((p) => !params.includes(p))) {
    return undefined;
  }
  const update = sgd.fusedUpdate(ordered);
  if (update === undefined) return undefined;
  const masks = stack
    .drawMasks(batch)
    .map((mask, i) => tf.tensor2d(mask, [batch, stack.layers[i]?.weight.shape[0] as number]));
  const inputs = { x, labels: y, ...stepInputs(stack, update.velocities, masks) };
  const norm = stack.norms[0];
  const attrs = {
    layers: stack.layers.length,
    activation: stack.activation,
    lr: update.lr,
    momentum: update.momentum,
    ...(norm === undefined ? {} : { normEps: norm.eps, normMomentum: norm.momentum }),
  };
  const [lossValue, correct, ...updated] = tf
    .engine()
    .runKernel(MLP_SGD_STEP_KERNEL, inputs, attrs) as tf.Tensor[];
  updatedVariables(stack, update.velocities).forEach((v, i) => {
    v.assign(updated[i] as tf.Tensor);
  });
  for (const n of stack.norms) {
    tf.tidy(() => n.numBatchesTracked.assign(tf.add(n.numBatchesTracked, tf.scalar(1, 'int32'))));
  }
  tf.dispose([x, y, ...masks, ...updated]);
  sgd.countFusedStep();
  return { loss: lossValue as tf.Scalar, correct: correct as tf.Tensor };
}
