import { readFile } from 'node:fs/promises';
import {
  ACTIVATION_NAMES,
  INIT_NAMES,
  LESSON_PRESETS,
  type LessonPreset,
  type MlpConfigInput,
} from '@mnist-lab/layers';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './errors';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const BLAS_CHOICES = ['auto', 'off', 'require'] as const;
export const PRESETS = Object.keys(LESSON_PRESETS) as LessonPreset[];

/** Everything a training run needs; what `--config FILE` holds and the flags override. */
export const runConfigSchema = z.strictObject({
  preset: z.enum(PRESETS as [LessonPreset, ...LessonPreset[]]).optional(),
  activation: z.enum(ACTIVATION_NAMES).optional(),
  dropout: z.number().min(0).lt(1).optional(),
  batchNorm: z.boolean().optional(),
  init: z.enum(INIT_NAMES).optional(),
  hidden: z.array(z.number().int().positive()).optional(),
  epochs: z.number().int().positive().default(10),
  batchSize: z.number().int().positive().default(32),
  lr: z.number().positive().default(0.01),
  momentum: z.number().min(0).lt(1).default(0.5),
  optimizer: z.enum(['sgd', 'adam', 'rmsprop']).default('sgd'),
  seed: z.number().int().default(1),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  blas: z.enum(BLAS_CHOICES).default('auto'),
  dataset: z.enum(['mnist', 'fashion-mnist']).default('mnist'),
  data: z.string().min(1).optional(),
  trainSize: z.number().int().positive().optional(),
  testSize: z.number().int().positive().optional(),
  out: z.string().min(1).optional(),
  checkpointEvery: z.number().int().positive().optional(),
});
export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Validates a run config, naming each bad field as a flag would be named. */
export function parseRunConfig(input: unknown, source: string): RunConfig {
  const result = runConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    const flag = key === '' ? 'config' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return `${flag}${i.path.length > 1 ? `[${i.path.slice(1).join('.')}]` : ''}: ${i.message}`;
  });
  throw new UsageError(`invalid ${source}: ${issues.join('; ')}`);
}

/** Reads a JSON or YAML run config file. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`--config ${path}: cannot read: ${(cause as Error).message}`);
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new UsageError(
      `--config ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--config ${path}: expected an object of run settings`);
  }
  return value as Record<string, unknown>;
}

/** The network a run config describes: its preset, then every explicit setting over it. */
export function modelConfig(config: RunConfig): MlpConfigInput {
  const base = LESSON_PRESETS[config.preset ?? 'relu'];
  const pick = <K extends keyof MlpConfigInput>(key: K, value: MlpConfigInput[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    ...base,
    ...pick('activation', config.activation),
    ...pick('dropout', config.dropout),
    ...pick('batchNorm', config.batchNorm),
    ...pick('init', config.init),
    ...pick('hidden', config.hidden),
    seed: config.seed,
  };
}

const MODEL_KEYS = ['activation', 'dropout', 'batchNorm', 'init', 'hidden'] as const;

/**
 * The network's name: its preset (the ReLU network when none is given), with `-custom` when a
 * flag changes the preset's network.
 */
export function networkName(config: RunConfig): string {
  const base = LESSON_PRESETS[config.preset ?? 'relu'] as Record<string, unknown>;
  const changed = MODEL_KEYS.some(
    (key) =>
      config[key] !== undefined &&
      JSON.stringify(config[key]) !==
        JSON.stringify(base[key] ?? (key === 'hidden' ? [512, 256] : undefined)),
  );
  return `${config.preset ?? 'relu'}${changed ? '-custom' : ''}`;
}

/** A short name for a run: its network and seed (`relu-seed1`). */
export function runName(config: RunConfig): string {
  return `${networkName(config)}-seed${config.seed}`;
}
