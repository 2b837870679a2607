import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { TrainerError } from './errors';

/** The schema of {@link OptimizerConfig}; defaults are PyTorch's. */
export const optimizerConfigSchema = z.discriminatedUnion('name', [
  z.strictObject({
    /** PyTorch's `SGD(lr, momentum)`: `v = μv + g; p -= lr·v` (plain SGD when momentum is 0). */
    name: z.literal('sgd'),
    lr: z.number().positive(),
    momentum: z.number().min(0).lt(1).default(0),
  }),
  z.strictObject({
    name: z.literal('adam'),
    lr: z.number().positive(),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().positive().default(1e-8),
  }),
  z.strictObject({
    name: z.literal('rmsprop'),
    lr: z.number().positive(),
    /** PyTorch's `alpha`. */
    alpha: z.number().min(0).lt(1).default(0.99),
    momentum: z.number().min(0).lt(1).default(0),
    eps: z.number().positive().default(1e-8),
    centered: z.boolean().default(false),
  }),
]);

/** A validated optimizer config, every default filled in. */
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;
/** What users write: `{ name: 'sgd', lr: 0.01, momentum: 0.5 }`. */
export type OptimizerConfigInput = z.input<typeof optimizerConfigSchema>;

/** Validates an optimizer config, or throws a `TrainerError` naming each bad field. */
export function parseOptimizerConfig(input: unknown): OptimizerConfig {
  const result = optimizerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (i) => `optimizer.${i.path.join('.') || 'name'}: ${i.message}`,
  );
  throw new TrainerError('invalid-option', `invalid optimizer config: ${issues.join('; ')}`);
}

/**
 * Builds the tfjs-core optimizer for a config. tfjs's momentum optimizer computes exactly PyTorch's
 * SGD with momentum (dampening 0, first step `v = g`); Adam and RMSProp are tfjs's own.
 */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  switch (config.name) {
    case 'sgd':
      return config.momentum > 0
        ? tf.train.momentum(config.lr, config.momentum)
        : tf.train.sgd(config.lr);
    case 'adam':
      return tf.train.adam(config.lr, config.beta1, config.beta2, config.eps);
    case 'rmsprop':
      return tf.train.rmsprop(
        config.lr,
        config.alpha,
        config.momentum,
        config.eps,
        config.centered,
      );
    default:
      config satisfies never;
      throw new TrainerError('invalid-option', `unknown optimizer ${JSON.stringify(config)}`);
  }
}

/** Changes an optimizer's learning rate in place (for schedules). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Not `instanceof tf.SGDOptimizer`: tfjs's optimizers answer instanceof by duck typing, so every
  // optimizer would pass. SGD and momentum keep -lr in a kept scalar that setLearningRate replaces;
  // Adam and RMSProp read the field at each step.
  const sgd = optimizer as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}
