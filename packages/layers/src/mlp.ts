import { isOneOf, STEP_ACTIVATIONS } from '@mnist-lab/contracts';
import { ArgumentError, hasMarker, MnistLabError } from '@mnist-lab/errors';
import { deriveSeed, Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ACTIVATION_NAMES, type ActivationName, activationFunctions, PReLU } from './activations';
import { applyInit } from './apply-init';
import { BatchNorm1d } from './batch-norm';
import { Dropout, dropoutMask } from './dropout';
import { INIT_NAMES } from './initializers';
import { Linear } from './linear';
import { type DenseStack, type ForwardOptions, Module } from './module';

/**
 * The arrays a dense stack draws mask words into: `into`'s, checked before any word is drawn, or
 * new ones of `batch × width` words per hidden layer.
 */
function maskWords(
  widths: readonly number[],
  batch: number,
  into: readonly Uint32Array[] | undefined,
): Uint32Array[] {
  const sizes = widths.map((width) => batch * width);
  if (into === undefined) return sizes.map((n) => new Uint32Array(n));
  const fits = (a: unknown, i: number) => a instanceof Uint32Array && a.length === sizes[i];
  if (into.length !== sizes.length || !into.every(fits)) {
    const got = into.map((a) => (a instanceof Uint32Array ? a.length : typeof a)).join(', ');
    throw new ArgumentError(
      'drawMaskBits: into',
      `drawMaskBits: into must hold one Uint32Array per hidden layer of ${sizes.join(', ')} words (batch ${batch} × its width), got [${got}]`,
    );
  }
  return [...into];
}

const initConfigSchema = z.strictObject({
  name: z.enum(INIT_NAMES),
  mode: z.enum(['fanIn', 'fanOut']).optional(),
  nonlinearity: z
    .enum(['linear', 'conv1d', 'conv2d', 'conv3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'])
    .optional(),
  a: z.number().optional(),
  value: z.number().optional(),
});

/**
 * The largest networks the builder makes: past these a config is a typo or a hostile file, not a
 * network anyone trains on MNIST-sized data (the lesson's has 535 818 parameters). Forms and URL
 * parsers use the same numbers.
 */
export const MLP_LIMITS = {
  /** Input features: images up to 1024 × 1024 pixels. */
  maxInputSize: 1 << 20,
  maxHiddenLayers: 32,
  maxHiddenWidth: 16_384,
  maxClasses: 1 << 16,
  /** Weights and biases in all: 200 MB of float32, about three times that to train. */
  maxParameters: 50_000_000,
} as const;

/** Weights and biases of Linear layers of these widths. */
export function linearParameterCount(widths: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < widths.length; i++)
    total += ((widths[i - 1] as number) + 1) * (widths[i] as number);
  return total;
}

/** The schema of {@link MlpConfig}: every field optional, defaults are the lesson's ReLU network. */
export const mlpConfigSchema = z
  .strictObject({
    /** Input features; images are flattened to this (the lesson's `x.view(-1, 28 * 28)`). */
    inputSize: z.number().int().positive().max(MLP_LIMITS.maxInputSize).default(784),
    /** Hidden layer widths. */
    hidden: z
      .array(z.number().int().positive().max(MLP_LIMITS.maxHiddenWidth))
      .max(MLP_LIMITS.maxHiddenLayers)
      .default([512, 256]),
    numClasses: z.number().int().min(2).max(MLP_LIMITS.maxClasses).default(10),
    activation: z.enum(ACTIVATION_NAMES).default('relu'),
    /** Dropout probability after each hidden activation, in [0, 1). */
    dropout: z.number().min(0).lt(1).default(0.5),
    /** BatchNorm1d after each hidden Linear, before the activation (as in the lesson). */
    batchNorm: z.boolean().default(false),
    /** How Linear weights start; biases keep PyTorch's default, as the lesson's `weight_init` does. */
    init: z.union([z.enum(INIT_NAMES), initConfigSchema]).default('torch-default'),
    /** `log-softmax` (the lesson's `F.log_softmax` output) or raw `logits`. */
    output: z.enum(['log-softmax', 'logits']).default('log-softmax'),
    /** Seeds initialization and dropout. */
    seed: z.number().int().default(0),
  })
  .superRefine((c, ctx) => {
    // Past a size limit, that field's own issue says it all.
    if (
      c.inputSize > MLP_LIMITS.maxInputSize ||
      c.numClasses > MLP_LIMITS.maxClasses ||
      c.hidden.length > MLP_LIMITS.maxHiddenLayers ||
      c.hidden.some((w) => w > MLP_LIMITS.maxHiddenWidth)
    )
      return;
    const widths = [c.inputSize, ...c.hidden, c.numClasses];
    const count = linearParameterCount(widths);
    if (count > MLP_LIMITS.maxParameters) {
      ctx.addIssue({
        code: 'custom',
        path: ['hidden'],
        message: `the network would have ${count} parameters; at most ${MLP_LIMITS.maxParameters} are allowed`,
      });
    }
  });

/** A validated MLP config with every default filled in. */
export type MlpConfig = z.output<typeof mlpConfigSchema>;
/** What users write: any subset of {@link MlpConfig}. */
export type MlpConfigInput = z.input<typeof mlpConfigSchema>;

const marker = Symbol.for('mnist-lab.layers.mlp-config-error');

/** An MLP config that failed validation; `issues` lists each problem as `path: message`. */
export class MlpConfigError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'MlpConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid MLP config: ${issues.join('; ')}`);
  }

  /** True for this error even when it comes from another copy of the package. */
  static override isInstance(error: unknown): error is MlpConfigError {
    return hasMarker(error, marker);
  }
}

/** Validates a plain config and fills in defaults, or throws {@link MlpConfigError} naming each field. */
export function parseMlpConfig(input: unknown): MlpConfig {
  const result = mlpConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new MlpConfigError(
    result.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'config'}: ${issue.message}`,
    ),
  );
}

/**
 * The lesson's `Net`, generalized: `Linear → [BatchNorm1d] → activation → dropout` per hidden
 * layer, then `Linear → log_softmax`. Children are named as in the lesson (`fc1`, `fc2`, `fc3`,
 * `batch_norm1`, `batch_norm2`), so its state dict loads into PyTorch's `Net` and back.
 *
 * @example const model = new Mlp({ activation: 'relu', dropout: 0.5, batchNorm: true, seed: 1 });
 */
export class Mlp extends Module {
  readonly config: MlpConfig;
  private readonly fcs: Linear[];
  private readonly norms: BatchNorm1d[];
  private readonly prelus: PReLU[];
  private readonly dropout: Dropout;

  constructor(config: MlpConfigInput = {}) {
    super();
    const c = parseMlpConfig(config);
    this.config = c;
    const widths = [c.inputSize, ...c.hidden, c.numClasses];
    const initRng = new Rng(deriveSeed(c.seed, 'init'));
    this.fcs = widths
      .slice(1)
      .map((out, i) =>
        this.registerModule(`fc${i + 1}`, new Linear(widths[i] as number, out, { rng: initRng })),
      );
    this.norms = c.batchNorm
      ? c.hidden.map((h, i) => this.registerModule(`batch_norm${i + 1}`, new BatchNorm1d(h)))
      : [];
    this.prelus =
      c.activation === 'prelu'
        ? c.hidden.map((_, i) => this.registerModule(`prelu${i + 1}`, new PReLU()))
        : [];
    this.dropout = this.registerModule(
      'dropout',
      new Dropout(c.dropout, { rng: new Rng(deriveSeed(c.seed, 'dropout')) }),
    );
    if (c.init !== 'torch-default') applyInit(this, c.init, { rng: initRng });
  }

  forward(x: tf.Tensor, options: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      let h = tf.reshape(x, [-1, this.config.inputSize]);
      for (let i = 0; i < this.fcs.length; i++) {
        const linear = (this.fcs[i] as Linear).forward(h);
        const name = `fc${i + 1}`;
        if (i === this.fcs.length - 1) {
          options.tap?.({ name, linear });
          h = linear;
          break;
        }
        const norm = this.norms[i];
        const pre = norm === undefined ? linear : norm.forward(linear, options);
        const act = this.activate(pre, i);
        options.tap?.({ name, linear, pre, act, activation: this.config.activation });
        h = this.dropout.forward(act, options);
      }
      return this.config.output === 'log-softmax' ? tf.logSoftmax(h) : h;
    });
  }

  /** With ReLU or sigmoid (batch norm or not): the network as a {@link DenseStack}. */
  override denseStack(): DenseStack | undefined {
    const { activation, hidden, output } = this.config;
    if (!isOneOf(STEP_ACTIVATIONS, activation)) return undefined;
    const dropout = this.dropout;
    return {
      activation,
      output,
      layers: this.fcs.map((fc) => ({ weight: fc.weight, bias: fc.bias as tf.Variable })),
      norms: this.norms.map((bn) => ({
        weight: bn.weight as tf.Variable,
        bias: bn.bias as tf.Variable,
        runningMean: bn.runningMean,
        runningVar: bn.runningVar,
        numBatchesTracked: bn.numBatchesTracked,
        eps: bn.eps,
        momentum: bn.momentum,
      })),
      drawMasks: (batch) =>
        dropout.p === 0
          ? []
          : hidden.map((width) => dropoutMask(batch * width, dropout.p, dropout.rng)),
      dropout: dropout.p,
      drawMaskBits: (batch, into) =>
        dropout.p === 0
          ? []
          : maskWords(hidden, batch, into).map((words) => dropout.rng.fillUint32(words)),
    };
  }

  private activate(h: tf.Tensor, layer: number): tf.Tensor {
    const name: ActivationName = this.config.activation;
    if (name === 'prelu') return (this.prelus[layer] as PReLU).forward(h);
    return activationFunctions[name](h);
  }
}
