export type { DatasetFacts, IdxFileRole } from './dataset-facts';
export { FASHION_MNIST_FACTS, IDX_FILE_NAMES, KNOWN_DATASETS, MNIST_FACTS } from './dataset-facts';
