import {
  SGD_MOMENTUM_KERNEL,
  type SgdMomentumAttrs,
  type SgdMomentumInputs,
} from '@mnist-lab/contracts';
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

type VariableGradients = Parameters<tf.MomentumOptimizer['applyGradients']>[0];

interface MomentumInternals {
  accumulations: { originalName: string; variable: tf.Variable }[];
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
}

/**
 * tfjs's `MomentumOptimizer` (same state, weights and class name, so checkpoints are unchanged)
 * that updates each parameter with one `SGD_MOMENTUM_KERNEL` (`@mnist-lab/contracts`) call where the active backend
 * has that kernel, instead of four element-wise kernels; elsewhere it is tfjs's own code.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  /** PyTorch's update for each variable, through the fused kernel where the backend has it. */
  override applyGradients(variableGradients: VariableGradients): void {
    const self = this as unknown as MomentumInternals;
    if (self.useNesterov || tf.getKernel(SGD_MOMENTUM_KERNEL, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((item) => item.name)
      : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name] as tf.Variable;
      self.accumulations[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      const accumulation = (self.accumulations[i] as { variable: tf.Variable }).variable;
      const gradient = Array.isArray(variableGradients)
        ? variableGradients[i]?.tensor
        : variableGradients[name];
      if (gradient == null) return;
      tf.tidy(() => {
        const [newAccumulation, newValue] = tf.engine().runKernel(
          SGD_MOMENTUM_KERNEL,
          { value, accumulation, gradient } satisfies SgdMomentumInputs<tf.Tensor>,
          {
            lr: self.learningRate,
            momentum: self.momentum,
          } satisfies SgdMomentumAttrs,
        ) as tf.Tensor[];
        accumulation.assign(newAccumulation as tf.Tensor);
        value.assign(newValue as tf.Tensor);
      });
    });
    this.incrementIterations();
  }

  /**
   * For a fused step that updates `params` itself: PyTorch's `lr` and `μ`, and each parameter's
   * velocity (made as {@link applyGradients} makes it, in the same slot, so checkpoints are the
   * same either way); `undefined` with Nesterov momentum, which no fused step computes.
   */
  fusedUpdate(
    params: readonly tf.Variable[],
  ): { lr: number; momentum: number; velocities: tf.Variable[] } | undefined {
    const self = this as unknown as MomentumInternals;
    if (self.useNesterov) return undefined;
    // applyGradients fills slot i for the i-th key of the gradients' map, whose keys are variable
    // names: numeric names come out in numeric order, whatever order `params` has.
    const slots = Object.keys(Object.fromEntries(params.map((p) => [p.name, p])));
    const velocities = params.map((value) => {
      const i = slots.indexOf(value.name);
      self.accumulations[i] ??= {
        originalName: `${value.name}/momentum`,
        variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      return (self.accumulations[i] as { variable: tf.Variable }).variable;
    });
    return { lr: self.learningRate, momentum: self.momentum, velocities };
  }

  /** PyTorch's `lr` and `μ` as they are now (a schedule may change `lr` between steps). */
  fusedRates(): { lr: number; momentum: number } {
    const self = this as unknown as MomentumInternals;
    return { lr: self.learningRate, momentum: self.momentum };
  }

  /** Counts a step a fused kernel took, as {@link applyGradients} does. */
  countFusedStep(): void {
    this.incrementIterations();
  }

  /** Disposes the velocities, and the −lr scalar tfjs's `MomentumOptimizer.dispose` forgets. */
  override dispose(): void {
    super.dispose();
    (this as unknown as { c?: tf.Tensor }).c?.dispose();
  }
}

/**
 * Builds the tfjs-core optimizer for a config. tfjs's momentum optimizer computes exactly PyTorch's
 * SGD with momentum (dampening 0, first step `v = g`); Adam and RMSProp are tfjs's own.
 */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  switch (config.name) {
    case 'sgd':
      return config.momentum > 0
        ? new FusedMomentumOptimizer(config.lr, config.momentum)
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
