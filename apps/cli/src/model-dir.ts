import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KNOWN_DATASETS } from '@mnist-lab/data';
import { FileError, readRegularFile } from '@mnist-lab/errors/node';
import {
  MLP_LIMITS,
  Mlp,
  MlpConfigError,
  type MlpConfigInput,
  parseMlpConfig,
} from '@mnist-lab/layers';
import {
  type EpochRecord,
  encodeStateDict,
  loadStateDictBytes,
  SAFETENSORS_MAX_HEADER_BYTES,
} from '@mnist-lab/trainer';
import { writeFileAtomic, writeHistory } from '@mnist-lab/trainer/node';
import { z } from 'zod';
import { UsageError } from './errors';

/** The largest `config.json` read: a run spec and an architecture take a few kilobytes. */
const CONFIG_MAX_BYTES = 1 << 20;
/** The largest weights file read: the builder's most parameters as float64, and a header. */
const WEIGHTS_MAX_BYTES = MLP_LIMITS.maxParameters * 8 + SAFETENSORS_MAX_HEADER_BYTES;

/** `config.json` of a saved model: the architecture, and how it was trained. */
export interface SavedModelConfig {
  readonly format: 'mnist-lab-model';
  readonly version: 1;
  readonly model: MlpConfigInput;
  readonly run?: unknown;
}

/**
 * Saves a model directory: `model.safetensors` (the lesson's `Net` state-dict names and layouts,
 * loadable by PyTorch), `config.json` (the architecture) and `history.jsonl`, each written atomically.
 */
export async function saveModelDir(
  dir: string,
  model: Mlp,
  history: readonly EpochRecord[],
  run?: unknown,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'model.safetensors');
  await writeFileAtomic(path, await encodeStateDict(model));
  const config: SavedModelConfig = {
    format: 'mnist-lab-model',
    version: 1,
    model: model.config,
    ...(run === undefined ? {} : { run }),
  };
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeHistory(join(dir, 'history.jsonl'), history);
  return path;
}

const savedModelConfigSchema = z.object({
  format: z.literal('mnist-lab-model'),
  version: z.literal(1),
  model: z.record(z.string(), z.unknown()),
  run: z.unknown().optional(),
});

/** Reads a model directory's `config.json`, checked: the format, and an architecture the builder accepts. */
export async function readModelConfig(dir: string): Promise<SavedModelConfig> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFile(path, CONFIG_MAX_BYTES, 'config.json'));
  } catch (cause) {
    if (FileError.isInstance(cause) && cause.code === 'ENOENT')
      throw new UsageError(`--model ${dir}: ${await notAModel(dir, cause)}`);
    if (FileError.isInstance(cause)) throw new UsageError(`--model ${dir}: ${cause.message}`);
    throw cause;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`${path}: not valid JSON: ${(cause as Error).message}`);
  }
  const result = savedModelConfigSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(
      `${path}: not an mnist-lab model config (at ${issue?.path.join('.') || 'the top level'}: ${issue?.message}); expected {"format": "mnist-lab-model", "version": 1, "model": {…}}`,
    );
  }
  try {
    parseMlpConfig(result.data.model);
  } catch (error) {
    if (MlpConfigError.isInstance(error)) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
  return result.data as SavedModelConfig;
}

/** Builds a model of an architecture and loads a safetensors state dict into it. */
export async function loadWeights(architecture: MlpConfigInput, weightsPath: string): Promise<Mlp> {
  const model = new Mlp(parseMlpConfig(architecture));
  let bytes: Uint8Array;
  try {
    // A regular file only, at most what the largest network the builder makes takes (float64).
    bytes = await readRegularFile(weightsPath, WEIGHTS_MAX_BYTES, 'the weights');
  } catch (cause) {
    model.dispose();
    if (FileError.isInstance(cause)) throw new UsageError(cause.message);
    throw cause;
  }
  try {
    loadStateDictBytes(model, bytes, weightsPath);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Loads a model directory saved by `mnist-lab train`. */
export async function loadModelDir(dir: string): Promise<{ model: Mlp; config: SavedModelConfig }> {
  const config = await readModelConfig(dir);
  return { model: await loadWeights(config.model, join(dir, 'model.safetensors')), config };
}

/** The data a saved model was trained on, as its `config.json` says: for output and exports. */
export interface ModelDataset {
  /** `mnist`, `fashion-mnist` (`--dataset`), or what a custom `--data DIR` was named. */
  readonly name: string;
  /** The name, with the folder it came from where that was a custom `--data DIR`. */
  readonly label: string;
  /** The class of each output: the dataset's names where it has them (Fashion-MNIST's), else 0..N−1. */
  readonly classNames: readonly string[];
}

/** What {@link ModelDataset} a saved model's config describes (MNIST when it says nothing). */
export function modelDataset(config: SavedModelConfig): ModelDataset {
  const run = (config.run ?? {}) as { dataset?: unknown; data?: unknown };
  const name = typeof run.dataset === 'string' ? run.dataset : 'mnist';
  const numClasses = parseMlpConfig(config.model).numClasses;
  const known = KNOWN_DATASETS[name]?.classNames;
  const classNames =
    known !== undefined && known.length === numClasses
      ? known
      : Array.from({ length: numClasses }, (_, i) => String(i));
  const label = typeof run.data === 'string' ? `${name} (files from ${run.data})` : name;
  return { name, label, classNames };
}

/**
 * Why a folder without `config.json` is no model, and where its models are: a `compare` report
 * (`results.json` and `runs/`) points to its runs, a run still training to its checkpoints.
 */
async function notAModel(dir: string, cause: Error): Promise<string> {
  const has = async (name: string) => {
    try {
      await stat(join(dir, name));
      return true;
    } catch {
      return false;
    }
  };
  if ((await has('results.json')) && (await has('runs'))) {
    const runs = (await readdir(join(dir, 'runs'), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const some = runs.slice(0, 3).map((r) => join(dir, 'runs', r));
    return `a compare report, not a model: its models are in ${join(dir, 'runs', '<name>')}${some.length > 0 ? ` (${some.join(', ')}${runs.length > 3 ? `, and ${runs.length - 3} more` : ''})` : ''}`;
  }
  if (await has('run.json'))
    return 'a run folder whose run has not finished (no config.json yet): its last checkpoint resumes with mnist-lab train --resume';
  return `no config.json (${cause.message}); expected a directory saved by mnist-lab train`;
}
