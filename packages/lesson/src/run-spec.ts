import { BLAS_MODES, NODE_BACKENDS } from '@mnist-lab/contracts';
import { ACTIVATION_NAMES, INIT_NAMES, MLP_LIMITS, type MlpConfigInput } from '@mnist-lab/layers';
import { z } from 'zod';
import { LESSON_PRESET_NAMES, LESSON_PRESETS } from './presets';
import { LESSON_RECIPE } from './recipe';

/** Where a run may train: `auto` picks the fastest available, or one of Node's backends. */
export const BACKEND_CHOICES = ['auto', ...NODE_BACKENDS] as const;
/** Where wasm's matrix products run in Node: OpenBLAS when installed, never, or always. */
export const BLAS_CHOICES = BLAS_MODES;
/**
 * Whether training steps may run as one fused kernel (forward, loss, backward and update) where the
 * backend has one: `auto` (wasm: ReLU and sigmoid networks, batch norm or not), or `off` (tfjs's ops
 * and gradients everywhere). The two agree to float32 rounding, not bit for bit.
 */
export const FUSED_CHOICES = ['auto', 'off'] as const;
/** The datasets a run spec may name. */
export const DATASET_CHOICES = ['mnist', 'fashion-mnist'] as const;
/** The optimizers a run spec may name. */
export const OPTIMIZER_CHOICES = ['sgd', 'adam', 'rmsprop'] as const;

/**
 * One training run, described as data: the network (a preset and what changes it), how it trains
 * (defaults: {@link LESSON_RECIPE}), on what data and where. What `mnist-lab train` takes from its
 * flags or `--config FILE`, what it stores in `config.json` and in every checkpoint's `state.json`.
 */
export const runSpecSchema = z.strictObject({
  /** One of the lesson's networks; the ReLU network when absent. */
  preset: z.enum(LESSON_PRESET_NAMES).optional(),
  activation: z.enum(ACTIVATION_NAMES).optional(),
  dropout: z.number().min(0).lt(1).optional(),
  batchNorm: z.boolean().optional(),
  init: z.enum(INIT_NAMES).optional(),
  hidden: z
    .array(z.number().int().positive().max(MLP_LIMITS.maxHiddenWidth))
    .max(MLP_LIMITS.maxHiddenLayers)
    .optional(),
  epochs: z.number().int().positive().default(LESSON_RECIPE.epochs),
  batchSize: z.number().int().positive().default(LESSON_RECIPE.batchSize),
  lr: z.number().positive().default(LESSON_RECIPE.lr),
  momentum: z.number().min(0).lt(1).default(LESSON_RECIPE.momentum),
  optimizer: z.enum(OPTIMIZER_CHOICES).default(LESSON_RECIPE.optimizer),
  seed: z.number().int().default(LESSON_RECIPE.seed),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  blas: z.enum(BLAS_CHOICES).default('auto'),
  fused: z.enum(FUSED_CHOICES).default('auto'),
  dataset: z.enum(DATASET_CHOICES).default('mnist'),
  /** A directory of the four IDX files (an absolute path once stored). */
  data: z.string().min(1).optional(),
  trainSize: z.number().int().positive().optional(),
  testSize: z.number().int().positive().optional(),
  /** The run's folder. */
  out: z.string().min(1).optional(),
  checkpointEvery: z.number().int().positive().optional(),
  /** Look inside the network every this many steps (layer distributions, gradients, updates). */
  probeEvery: z.number().int().positive().optional(),
  /** Also measure accuracy on the first this many training examples, in eval mode, each epoch. */
  trainEval: z.number().int().positive().optional(),
});
/** A checked run description with the recipe's defaults filled in. */
export type RunSpec = z.output<typeof runSpecSchema>;
/** What users write: any subset of {@link RunSpec}. */
export type RunSpecInput = z.input<typeof runSpecSchema>;

/** One problem with a run description: the field's path and what is wrong. */
export interface RunSpecIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Checks a run description: the spec with defaults, or every problem with it. */
export function parseRunSpec(
  input: unknown,
):
  | { readonly ok: true; readonly spec: RunSpec }
  | { readonly ok: false; readonly issues: RunSpecIssue[] } {
  const result = runSpecSchema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, spec: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: issueMessage(i),
    })),
  };
}

/** A value as a message quotes it: JSON, cut at 40 characters. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** What a field expected and what it got, in the words of mnist-lab's other messages. */
function issueMessage(issue: z.core.$ZodIssue): string {
  const got = `got ${shown(issue.input)}`;
  switch (issue.code) {
    case 'too_small':
      return `expected ${issue.origin === 'array' ? 'at least' : issue.inclusive ? 'a number ≥' : 'a number >'} ${issue.minimum}${issue.origin === 'array' ? ' entries' : ''}, ${got}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? 'at most' : issue.inclusive ? 'a number ≤' : 'a number <'} ${issue.maximum}${issue.origin === 'array' ? ' entries' : ''}, ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => shown(v)).join(', ')}, ${got}`;
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}, ${got}`;
    case 'unrecognized_keys':
      return `unknown setting${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}; expected only the run spec's fields`;
    default:
      return `${issue.message}, ${got}`;
  }
}

/** The fields of a spec that describe the network. */
export type NetworkSpec = Pick<
  RunSpecInput,
  'preset' | 'activation' | 'dropout' | 'batchNorm' | 'init' | 'hidden' | 'seed'
>;

const NETWORK_KEYS = ['activation', 'dropout', 'batchNorm', 'init', 'hidden'] as const;

/**
 * The network a spec describes, as an MLP config: its preset (the ReLU network when none is
 * given), then every setting the spec gives over it, and its seed.
 */
export function modelFromSpec(spec: NetworkSpec): MlpConfigInput {
  const config: Record<string, unknown> = { ...LESSON_PRESETS[spec.preset ?? 'relu'] };
  for (const key of NETWORK_KEYS) if (spec[key] !== undefined) config[key] = spec[key];
  return { ...config, seed: spec.seed ?? LESSON_RECIPE.seed } as MlpConfigInput;
}

/**
 * The network's name: its preset (`relu` when none is given), with `-custom` when a setting
 * changes the preset's network.
 */
export function networkName(spec: NetworkSpec): string {
  const base: Record<string, unknown> = {
    ...LESSON_PRESETS[spec.preset ?? 'relu'],
    hidden: LESSON_RECIPE.hidden,
  };
  const changed = NETWORK_KEYS.some(
    (key) => spec[key] !== undefined && JSON.stringify(spec[key]) !== JSON.stringify(base[key]),
  );
  return `${spec.preset ?? 'relu'}${changed ? '-custom' : ''}`;
}

/**
 * A short name for a run: its network and seed (`relu-seed1`), after its data where that is not
 * MNIST (`fashion-mnist-relu-seed1`), so that runs on two datasets do not take each other's names.
 */
export function runName(spec: NetworkSpec & { readonly dataset?: string }): string {
  const data = spec.dataset === undefined || spec.dataset === 'mnist' ? '' : `${spec.dataset}-`;
  return `${data}${networkName(spec)}-seed${spec.seed ?? LESSON_RECIPE.seed}`;
}
