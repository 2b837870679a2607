import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { inputPreprocessing } from '@mnist-lab/data';
import { FileError, fileError, makeDirectory } from '@mnist-lab/errors/node';
import {
  type ExportMetadata,
  LayersError,
  TFJS_WEIGHTS_FILE,
  toOnnx,
  toTfjsLayersModel,
} from '@mnist-lab/layers';
import { type Command, Option } from 'commander';
import { UsageError } from '../errors';
import { loadModelDir, modelDataset, type SavedModelConfig } from '../model-dir';
import { Output } from '../output';
import { MNIST_LAB_VERSION } from '../version';

/** The formats `mnist-lab export` writes. */
export const EXPORT_FORMATS = ['tfjs', 'onnx'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface ExportFlags {
  model: string;
  format: ExportFormat;
  out: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * What an exported model expects and outputs, for its files and for the user: mnist-lab feeds
 * each pixel byte / 255 (torchvision's ToTensor) and nothing else; the common MNIST normalisation
 * ((x − 0.1307) / 0.3081) on top of it costs a trained model accuracy.
 */
export function exportMetadata(config: SavedModelConfig): ExportMetadata {
  const { inputSize } = config.model as { inputSize?: number };
  return {
    preprocessing: inputPreprocessing(inputSize ?? 784),
    classNames: modelDataset(config).classNames,
    dataset: modelDataset(config).label,
    producerVersion: MNIST_LAB_VERSION,
  };
}

/** The files a format writes, by name, with their bytes. */
async function filesFor(
  format: ExportFormat,
  model: Parameters<typeof toOnnx>[0],
  metadata: ExportMetadata,
): Promise<[string, Uint8Array][]> {
  try {
    if (format === 'onnx') return [['model.onnx', await toOnnx(model, metadata)]];
    const { modelJson, weights } = await toTfjsLayersModel(model, metadata);
    return [
      ['model.json', new TextEncoder().encode(`${JSON.stringify(modelJson)}\n`)],
      [TFJS_WEIGHTS_FILE, weights],
    ];
  } catch (error) {
    // What a format cannot express is a choice of format, not a failure of the model.
    if (LayersError.isInstance(error)) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Writes each file next to its final name and renames it into place: a reader never sees half a
 * file, and a failure leaves no partial export.
 */
async function writeAll(dir: string, files: [string, Uint8Array][]): Promise<string[]> {
  try {
    await makeDirectory(dir);
  } catch (error) {
    if (FileError.isInstance(error)) throw new UsageError(`--out ${dir}: ${error.message}`);
    throw error;
  }
  const temps = files.map(([name]) => join(dir, `.${name}.${process.pid}.tmp`));
  let at = '';
  try {
    for (const [i, [, bytes]] of files.entries()) {
      at = temps[i] as string;
      await writeFile(at, bytes);
    }
    for (const [i, [name]] of files.entries()) {
      at = join(dir, name);
      await rename(temps[i] as string, at);
    }
  } catch (error) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw fileError(at, error, 'cannot write the export');
  }
  return files.map(([name]) => join(dir, name));
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'write a saved model (--model DIR) as a TensorFlow.js LayersModel (model.json + weights.bin, for tf.loadLayersModel) or an ONNX model (model.onnx, for ONNX Runtime)',
    )
    .requiredOption('--model <dir>', 'a model directory saved by mnist-lab train')
    .addOption(
      new Option('--format <format>', 'tfjs or onnx').choices(EXPORT_FORMATS).makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'the directory to write to (created if missing)')
    .option('--force', 'replace files of an earlier export in --out')
    .option('--json', 'one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (opts: ExportFlags) => {
      const output = new Output(opts);
      const out = resolve(opts.out);
      await initBackend({ prefer: 'cpu' });
      const { model, config } = await loadModelDir(opts.model);
      const metadata = exportMetadata(config);
      try {
        const files = await filesFor(opts.format, model, metadata);
        const existing = files.map(([name]) => join(out, name)).filter((f) => existsSync(f));
        if (existing.length > 0 && opts.force !== true) {
          throw new UsageError(
            `--out ${opts.out}: already holds ${existing.join(', ')}; choose another directory or pass --force to replace them`,
          );
        }
        const written = await writeAll(out, files);
        const { inputSize, numClasses } = model.config;
        output.event({
          event: 'export',
          format: opts.format,
          model: opts.model,
          files: written,
          input: {
            shape: ['N', inputSize],
            dtype: 'float32',
            preprocessing: metadata.preprocessing,
          },
          classNames: metadata.classNames,
          dataset: metadata.dataset,
        });
        output.line(`${opts.format}: wrote ${written.join(', ')}`);
        output.line(
          `input: float32 [N, ${inputSize}], ${metadata.preprocessing} (the common MNIST normalisation on top costs accuracy)`,
        );
        output.line(
          `output: [N, ${numClasses}] ${model.config.output === 'log-softmax' ? 'log-probabilities' : 'scores'} of ${metadata.dataset}'s classes: ${metadata.classNames.join(', ')}; the files say both (${opts.format === 'onnx' ? 'metadata_props and doc_string' : "model.json's userDefinedMetadata"})`,
        );
      } finally {
        model.dispose();
      }
    });
}
