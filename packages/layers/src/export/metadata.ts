/**
 * What an exported model says about itself, so that whoever runs it feeds it what it was trained
 * on: written into ONNX's `doc_string`, `producer_version` and `metadata_props`, and into the
 * TensorFlow.js model's `userDefinedMetadata`.
 */
export interface ExportMetadata {
  /** How an input row is made from an image, in words (e.g. each pixel byte / 255, no normalisation). */
  readonly preprocessing: string;
  /** The class of each output index, in order. */
  readonly classNames: readonly string[];
  /** The data the model was trained on (e.g. `mnist`, `fashion-mnist`). */
  readonly dataset: string;
  /** The training data's SHA-256, hex, where the producer identifies its data by one. */
  readonly datasetSha256?: string;
  /** The producing tool's version (mnist-lab's). */
  readonly producerVersion: string;
}

/** The metadata as string pairs (ONNX's `metadata_props`, TensorFlow.js's `userDefinedMetadata`). */
export function metadataEntries(m: ExportMetadata): [string, string][] {
  return [
    ['preprocessing', m.preprocessing],
    ['class_names', JSON.stringify(m.classNames)],
    ['dataset', m.dataset],
    ...(m.datasetSha256 === undefined
      ? []
      : [['dataset_sha256', m.datasetSha256] as [string, string]]),
    ['producer', `mnist-lab ${m.producerVersion}`],
  ];
}

/** One paragraph for ONNX's `doc_string`: input, output, classes and dataset. */
export function metadataDoc(m: ExportMetadata, inputSize: number, output: string): string {
  return `An MLP trained by mnist-lab ${m.producerVersion} on ${m.dataset}. Input "input": float32 [N, ${inputSize}], ${m.preprocessing}. Output "output": float32 [N, ${m.classNames.length}], ${output} of the classes ${m.classNames.join(', ')}.`;
}
