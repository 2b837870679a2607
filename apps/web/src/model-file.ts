import {
  type ActivationName,
  Mlp,
  type MlpConfig,
  MlpConfigError,
  parseMlpConfig,
} from '@mnist-lab/layers';
import { decodeSafetensors, loadStateDictBytes } from '@mnist-lab/trainer';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth';
import { hiddenWithinLimits, WEB_LIMITS } from './settings';

/** The safetensors metadata key under which the lab writes a model's architecture (JSON). */
export const MODEL_METADATA_KEY = 'mnist-lab.model';
/**
 * The largest model file taken: the builder's parameter limit in float32, and room for the header
 * and batch norm's statistics. A bigger file is refused before it is read into memory.
 */
export const MAX_MODEL_FILE_BYTES = WEB_LIMITS.maxParameters * 4 + (16 << 20);

/** What the architecture not written in a file is taken from (the lab's form). */
export interface ArchitectureFallback {
  readonly activation: ActivationName;
  readonly dropout: number;
}

/** A model read from a file, with where its architecture came from. */
export interface ModelFromFile {
  readonly model: Mlp;
  /** `file` (the lab's metadata), `config.json`, or `shapes` (inferred; activation from the form). */
  readonly architecture: 'file' | 'config.json' | 'shapes';
}

/** A file that is not a model the lab can run, with the reason in words. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

/**
 * Infers an MLP's widths and batch norm from its state dict's names and shapes (`fc1.weight`
 * [out, in], `fc2.weight`, …; `batch_norm1.*` when batch norm is on), as PyTorch's `Net` and
 * mnist-lab save them. The activation is not in the weights (PReLU's are): the fallback gives it.
 */
export function inferArchitecture(
  shapes: Readonly<Record<string, readonly number[]>>,
  fallback: ArchitectureFallback,
): Record<string, unknown> {
  const widths: number[] = [];
  for (let i = 1; shapes[`fc${i}.weight`] !== undefined; i++) {
    const shape = shapes[`fc${i}.weight`] as readonly number[];
    if (shape.length !== 2)
      throw new ModelFileError(`fc${i}.weight has shape [${shape}]; expected [out, in]`);
    if (i === 1) widths.push(shape[1] as number);
    else if (shape[1] !== widths.at(-1))
      throw new ModelFileError(
        `fc${i}.weight takes ${shape[1]} inputs but fc${i - 1} gives ${widths.at(-1)}`,
      );
    widths.push(shape[0] as number);
  }
  if (widths.length < 2)
    throw new ModelFileError(
      `no fc1.weight among its tensors (${Object.keys(shapes).slice(0, 5).join(', ') || 'none'}); expected the lesson's Net: fc1, fc2, … as PyTorch names them`,
    );
  return {
    inputSize: widths[0],
    hidden: widths.slice(1, -1),
    numClasses: widths.at(-1),
    batchNorm: shapes['batch_norm1.weight'] !== undefined,
    activation: shapes['prelu1.weight'] !== undefined ? 'prelu' : fallback.activation,
    dropout: fallback.dropout,
  };
}

function parseConfig(value: unknown, where: string): MlpConfig {
  let config: MlpConfig;
  try {
    config = parseMlpConfig(value);
  } catch (error) {
    if (MlpConfigError.isInstance(error)) throw new ModelFileError(`${where}: ${error.message}`);
    throw error;
  }
  // The lab's own bounds (a tab's memory), not the builder's (the CLI's): 10 M parameters.
  if (!hiddenWithinLimits(config.hidden))
    throw new ModelFileError(
      `${where}: a network of hidden widths [${config.hidden.join(', ')}] is larger than the lab builds (at most ${WEB_LIMITS.maxParameters} parameters, ${WEB_LIMITS.maxHiddenLayers} hidden layers of ${WEB_LIMITS.maxHiddenWidth})`,
    );
  return config;
}

/**
 * Builds the model a safetensors file holds, for the draw pad: its architecture from `config`
 * (a CLI model folder's `config.json`'s `model`), else from the lab's metadata in the file, else
 * inferred from the tensors' shapes with the fallback's activation. Throws {@link ModelFileError}
 * (or the trainer's error naming the tensor) for anything else; the model must take 28 × 28
 * images and give 10 classes.
 */
export function modelFromFile(
  name: string,
  bytes: Uint8Array,
  fallback: ArchitectureFallback,
  config?: unknown,
): ModelFromFile {
  if (bytes.byteLength > MAX_MODEL_FILE_BYTES)
    throw new ModelFileError(
      `${name} is ${(bytes.byteLength / 1e6).toFixed(0)} MB; the largest network the lab builds takes at most ${(MAX_MODEL_FILE_BYTES / 1e6).toFixed(0)} MB`,
    );
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes, name);
  } catch (error) {
    throw new ModelFileError(`${(error as Error).message} (expected a .safetensors model file)`);
  }
  let architecture: ModelFromFile['architecture'];
  let parsed: MlpConfig;
  const written = decoded.metadata[MODEL_METADATA_KEY];
  if (config !== undefined) {
    architecture = 'config.json';
    parsed = parseConfig(config, 'config.json');
  } else if (written !== undefined) {
    architecture = 'file';
    let value: unknown;
    if (jsonDepth(written) > MAX_JSON_DEPTH)
      throw new ModelFileError(
        `${name}: its ${MODEL_METADATA_KEY} metadata nests deeper than ${MAX_JSON_DEPTH} levels`,
      );
    try {
      value = JSON.parse(written);
    } catch {
      throw new ModelFileError(`${name}: its ${MODEL_METADATA_KEY} metadata is not JSON`);
    }
    parsed = parseConfig(value, name);
  } else {
    architecture = 'shapes';
    const shapes = Object.fromEntries(
      Object.entries(decoded.tensors).map(([key, t]) => [key, t.shape]),
    );
    parsed = parseConfig(inferArchitecture(shapes, fallback), name);
  }
  if (parsed.inputSize !== 784 || parsed.numClasses !== 10)
    throw new ModelFileError(
      `${name}: the network takes ${parsed.inputSize} inputs and gives ${parsed.numClasses} classes; the draw pad needs 784 (28 × 28) and 10`,
    );
  const model = new Mlp(parsed);
  try {
    loadStateDictBytes(model, bytes, name);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, architecture };
}
