import { inputPreprocessing, MNIST_FACTS } from '@mnist-lab/data';
import {
  type ExportMetadata,
  type Mlp,
  TFJS_WEIGHTS_FILE,
  toOnnx,
  toTfjsLayersModel,
} from '@mnist-lab/layers';
import { encodeStateDict } from '@mnist-lab/trainer';
import manifest from '../package.json' with { type: 'json' };
import type { DatasetIdentity } from './dataset-identity';
import { MODEL_METADATA_KEY } from './model-file';
import type { ExportFormat } from './protocol';

/** The lab's version: the producer version of the models it exports. */
export const LAB_VERSION: string = manifest.version;

/**
 * What a model the lab trained expects and outputs, for its exported files: the dataset it trained
 * on (its name, SHA-256 and class names; MNIST's for a model of unknown data).
 */
export function labExportMetadata(inputSize: number, dataset?: DatasetIdentity): ExportMetadata {
  return {
    preprocessing: inputPreprocessing(inputSize),
    classNames: dataset?.classNames ?? MNIST_FACTS.classNames,
    dataset: dataset?.name ?? 'mnist',
    ...(dataset === undefined ? {} : { datasetSha256: dataset.sha256 }),
    producerVersion: LAB_VERSION,
  };
}

/** A model as the files of a format: safetensors (PyTorch's names), a tfjs LayersModel, or ONNX. */
export async function modelFiles(
  model: Mlp,
  format: ExportFormat,
  dataset?: DatasetIdentity,
): Promise<{ name: string; bytes: Uint8Array }[]> {
  const exported = labExportMetadata(model.config.inputSize, dataset);
  if (format === 'onnx') return [{ name: 'model.onnx', bytes: await toOnnx(model, exported) }];
  if (format === 'tfjs') {
    const { modelJson, weights } = await toTfjsLayersModel(model, exported);
    return [
      { name: 'model.json', bytes: new TextEncoder().encode(`${JSON.stringify(modelJson)}\n`) },
      { name: TFJS_WEIGHTS_FILE, bytes: weights },
    ];
  }
  // The architecture goes in the metadata: the file loads back onto the draw pad as it was.
  const metadata = {
    [MODEL_METADATA_KEY]: JSON.stringify(model.config),
    ...(dataset === undefined
      ? {}
      : { 'mnist-lab.dataset': dataset.name, 'mnist-lab.dataset_sha256': dataset.sha256 }),
  };
  return [{ name: 'model.safetensors', bytes: await encodeStateDict(model, metadata) }];
}
