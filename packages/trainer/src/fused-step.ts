import { crossEntropy, type Module, nllLoss } from '@mnist-lab/layers';
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
 * The same step as `optimizer.minimize(loss(model.forward(x)))`, in one {@link MLP_SGD_STEP_KERNEL}
 * call, when everything allows it: the active backend has the kernel, the model is a
 * dense stack (`Module.denseStack()`), `params` are exactly its weights and biases, the loss
 * is the cross-entropy (or `nllLoss` of log-probabilities) and the optimizer is SGD with momentum.
 * Otherwise `undefined`, and nothing was computed or drawn. Disposes `x` and `y` when it steps.
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
  const ordered = stack.layers.flatMap((l) => [l.weight, l.bias]);
  if (ordered.length !== params.length || ordered.some((p) => !params.includes(p))) {
    return undefined;
  }
  const update = sgd.fusedUpdate(ordered);
  if (update === undefined) return undefined;
  const batch = y.shape[0] as number;
  const masks = stack
    .drawMasks(batch)
    .map((mask, i) => tf.tensor2d(mask, [batch, stack.layers[i]?.weight.shape[0] as number]));
  const inputs: tf.NamedTensorMap = { x, labels: y };
  stack.layers.forEach((layer, i) => {
    inputs[`weight${i}`] = layer.weight;
    inputs[`bias${i}`] = layer.bias;
    inputs[`weightVelocity${i}`] = update.velocities[2 * i] as tf.Variable;
    inputs[`biasVelocity${i}`] = update.velocities[2 * i + 1] as tf.Variable;
  });
  masks.forEach((mask, i) => {
    inputs[`mask${i}`] = mask;
  });
  const [lossValue, correct, ...updated] = tf.engine().runKernel(MLP_SGD_STEP_KERNEL, inputs, {
    layers: stack.layers.length,
    activation: stack.activation,
    lr: update.lr,
    momentum: update.momentum,
  }) as tf.Tensor[];
  // Per layer the kernel returns weight, bias, weight velocity, bias velocity.
  stack.layers.forEach((layer, i) => {
    const [w, b, vw, vb] = updated.slice(4 * i, 4 * i + 4) as tf.Tensor[];
    layer.weight.assign(w as tf.Tensor);
    layer.bias.assign(b as tf.Tensor);
    (update.velocities[2 * i] as tf.Variable).assign(vw as tf.Tensor);
    (update.velocities[2 * i + 1] as tf.Variable).assign(vb as tf.Tensor);
  });
  tf.dispose([x, y, ...masks, ...updated]);
  sgd.countFusedStep();
  return { loss: lossValue as tf.Scalar, correct: correct as tf.Tensor };
}
