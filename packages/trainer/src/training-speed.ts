import type { Module } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { planFusedStep } from './fused-step';
import { createOptimizer, type OptimizerConfigInput, parseOptimizerConfig } from './optimizer';

/** What {@link trainingSpeed} times. */
export interface TrainingSpeedOptions {
  /** The loss, e.g. `@mnist-lab/layers`' `crossEntropy`. */
  readonly loss: (output: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
  readonly optimizer: OptimizerConfigInput;
  readonly batchSize: number;
  readonly inputSize: number;
  readonly numClasses: number;
  /** About how long to time, after two untimed steps (shader compilation). Default 500 ms. */
  readonly milliseconds?: number;
  /** Steps as `fit` takes them: fused where the backend allows (`fit`'s `fusedSteps`). Default true. */
  readonly fusedSteps?: boolean;
}

/**
 * Training samples per second of a freshly made model on the active backend: real training steps
 * (forward, loss, gradients, update, the loss read back) on a random batch, for about half a
 * second. For choosing a backend by measurement (`initBackend`'s `trial`); the model is disposed.
 */
export async function trainingSpeed(
  makeModel: () => Module,
  options: TrainingSpeedOptions,
): Promise<number> {
  const model = makeModel();
  const optimizer = createOptimizer(parseOptimizerConfig(options.optimizer));
  const x = tf.randomUniform([options.batchSize, options.inputSize]);
  const y = tf.tensor1d(
    Array.from({ length: options.batchSize }, (_, i) => i % options.numClasses),
    'int32',
  );
  const params = model.parameters();
  const plan =
    options.fusedSteps === false
      ? undefined
      : planFusedStep(model, optimizer, params, options.loss);
  const step = async () => {
    const [xs, ys] = [tf.clone(x), tf.clone(y)];
    const fused = plan?.step(xs, ys);
    fused?.correct.dispose();
    if (fused === undefined) tf.dispose([xs, ys]);
    const loss =
      fused?.loss ??
      optimizer.minimize(() => options.loss(model.forward(x, { training: true }), y), true, params);
    await loss?.data();
    loss?.dispose();
  };
  try {
    await step();
    await step();
    const budget = options.milliseconds ?? 500;
    const start = performance.now();
    let steps = 0;
    while (steps < 3 || (performance.now() - start < budget && steps < 200)) {
      await step();
      steps++;
    }
    return (steps * options.batchSize) / ((performance.now() - start) / 1000);
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
