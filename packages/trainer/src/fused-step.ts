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

/**
 * The kernel's state inputs by name, in the order it returns their new values: per layer the
 * weight, bias and their velocities, then per batch norm γ, β, their velocities and the running
 * statistics. `velocities` are in `fusedUpdate`'s order: the layers' weights and biases, then γ, β.
 */
function stateInputs(
  stack: DenseStack,
  velocities: readonly tf.Variable[],
): [string, tf.Variable][] {
  const v = (k: number) => velocities[k] as tf.Variable;
  const L = stack.layers.length;
  return [
    ...stack.layers.flatMap((l, i): [string, tf.Variable][] => [
      [`weight${i}`, l.weight],
      [`bias${i}`, l.bias],
      [`weightVelocity${i}`, v(2 * i)],
      [`biasVelocity${i}`, v(2 * i + 1)],
    ]),
    ...stack.norms.flatMap((n, i): [string, tf.Variable][] => [
      [`gamma${i}`, n.weight],
      [`beta${i}`, n.bias],
      [`gammaVelocity${i}`, v(2 * L + 2 * i)],
      [`betaVelocity${i}`, v(2 * L + 2 * i + 1)],
      [`runningMean${i}`, n.runningMean],
      [`runningVar${i}`, n.runningVar],
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
  // The kernel makes the dropout masks from the random words they are drawn from (the same masks).
  const masks = stack.drawMaskBits(batch).map((words, i) => {
    const width = stack.layers[i]?.weight.shape[0] as number;
    return tf.tensor2d(new Int32Array(words.buffer, words.byteOffset, words.length), [
      batch,
      width,
    ]);
  });
  const state = stateInputs(stack, update.velocities);
  const inputs: tf.NamedTensorMap = { x, labels: y, ...Object.fromEntries(state) };
  masks.forEach((mask, i) => {
    inputs[`maskBits${i}`] = mask;
  });
  const norm = stack.norms[0];
  const attrs = {
    layers: stack.layers.length,
    activation: stack.activation,
    lr: update.lr,
    momentum: update.momentum,
    ...(masks.length === 0 ? {} : { dropout: stack.dropout }),
    ...(norm === undefined ? {} : { normEps: norm.eps, normMomentum: norm.momentum }),
  };
  const [lossValue, correct, ...updated] = tf
    .engine()
    .runKernel(MLP_SGD_STEP_KERNEL, inputs, attrs) as tf.Tensor[];
  state.forEach(([, v], i) => {
    v.assign(updated[i] as tf.Tensor);
  });
  for (const n of stack.norms) {
    tf.tidy(() => n.numBatchesTracked.assign(tf.add(n.numBatchesTracked, tf.scalar(1, 'int32'))));
  }
  tf.dispose([x, y, ...masks, ...updated]);
  sgd.countFusedStep();
  return { loss: lossValue as tf.Scalar, correct: correct as tf.Tensor };
}
