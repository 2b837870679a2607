import {
  type Dataset,
  type DatasetSplits,
  encodeIdxUint8,
  type IdxFileRole,
  KNOWN_DATASETS,
} from '@mnist-lab/data';

/** What the lab says of the dataset its runs train on: on every run, and in every download. */
export interface DatasetIdentity {
  /** `mnist`, `fashion-mnist` when the files are those, else the name the user's files gave. */
  readonly name: string;
  /**
   * SHA-256 of the four uncompressed IDX files' own SHA-256s, hex, one per line in the order
   * train images, train labels, test images, test labels (`sha256sum` of each, gunzipped, then of
   * those four lines): the same files give the same value, gzipped or not.
   */
  readonly sha256: string;
  /** Each class's name, by label: a known dataset's (Fashion-MNIST's), else the digits. */
  readonly classNames: readonly string[];
}

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array) =>
  hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

/** The IDX files of a split, as they were before parsing (the parser keeps only the values). */
const idxFiles = (d: Dataset): [Uint8Array, Uint8Array] => [
  encodeIdxUint8([d.count, d.rows, d.cols], d.images),
  encodeIdxUint8([d.count], d.labels),
];

/**
 * Names a loaded dataset: by its files' SHA-256s when they are a dataset this project knows (then
 * with its class names), else by `name`; and its SHA-256 (see {@link DatasetIdentity.sha256}).
 */
export async function identifyDataset(
  splits: DatasetSplits,
  name: string,
): Promise<DatasetIdentity> {
  const [trainImages, trainLabels] = idxFiles(splits.train);
  const [testImages, testLabels] = idxFiles(splits.test);
  const files: Record<IdxFileRole, string> = {
    trainImages: await sha256(trainImages),
    trainLabels: await sha256(trainLabels),
    testImages: await sha256(testImages),
    testLabels: await sha256(testLabels),
  };
  const known = Object.values(KNOWN_DATASETS).find((facts) =>
    (Object.keys(files) as IdxFileRole[]).every((role) => facts.sha256[role] === files[role]),
  );
  const manifest = `${files.trainImages}\n${files.trainLabels}\n${files.testImages}\n${files.testLabels}\n`;
  return {
    name: known?.name ?? name,
    sha256: await sha256(new TextEncoder().encode(manifest)),
    classNames:
      known?.classNames ?? Array.from({ length: splits.train.numClasses }, (_, i) => String(i)),
  };
}
