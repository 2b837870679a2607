import { type DatasetSplits, type IdxFileRole, loadIdxFromUrls } from '@mnist-lab/data';
import { type DatasetIdentity, identifyDataset } from './dataset-identity';
import { type FromWorker, SAMPLE_COUNT } from './protocol';
import { datasetFromImages, type ImageSource } from './worker-images';

/**
 * Loads the four IDX files at `urls` (the page's own MNIST, or a user's files as blob URLs) with
 * the data package's reader and its bounds (each file at most `limit` bytes, fetched and
 * decompressed), checks that the lab's networks can take them (28 × 28 images, 10 classes), names
 * them, and says the dataset is ready with its first test digits. Throws, and keeps nothing,
 * on any file that is not what it should be.
 */
export async function loadDataset(
  name: string,
  urls: Readonly<Record<IdxFileRole, string>>,
  post: (message: FromWorker, transfer?: Transferable[]) => void,
  limit?: number,
): Promise<DatasetSplits & { identity: DatasetIdentity }> {
  const splits = await loadIdxFromUrls(urls, {
    name,
    numClasses: 10,
    onProgress: (loaded, total) => post({ type: 'data-progress', loaded, total }),
    ...(limit === undefined ? {} : { limit }),
  });
  for (const split of [splits.train, splits.test])
    if (split.rows !== 28 || split.cols !== 28)
      throw new Error(
        `${name}: images of ${split.rows} × ${split.cols} pixels; the lab's networks take 28 × 28`,
      );
  return announce(splits, await identifyDataset(splits, name), post);
}

/**
 * A dataset of images (a zip, or a folder's files): read and converted by `datasetFromImages`,
 * named by its folders' classes, and announced as ready.
 */
export async function loadImageDataset(
  name: string,
  source: ImageSource,
  post: (message: FromWorker, transfer?: Transferable[]) => void,
): Promise<DatasetSplits & { identity: DatasetIdentity }> {
  const { classNames, ...splits } = await datasetFromImages(name, source, (loaded, total) =>
    post({ type: 'data-progress', loaded, total, unit: 'images' }),
  );
  const identity = await identifyDataset(splits, name);
  return announce(splits, { ...identity, classNames }, post);
}

/** Says the dataset is ready, with its first test digits; the splits with their identity. */
function announce(
  splits: DatasetSplits,
  dataset: DatasetIdentity,
  post: (message: FromWorker, transfer?: Transferable[]) => void,
): DatasetSplits & { identity: DatasetIdentity } {
  const samples = splits.test.images.slice(0, SAMPLE_COUNT * 784);
  post(
    {
      type: 'ready',
      trainCount: splits.train.count,
      testCount: splits.test.count,
      samples,
      sampleLabels: Array.from(splits.test.labels.subarray(0, SAMPLE_COUNT)),
      dataset,
    },
    [samples.buffer],
  );
  return { ...splits, identity: dataset };
}
