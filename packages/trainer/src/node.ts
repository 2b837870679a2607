export { writeFileAtomic } from './node/atomic-write';
export type { FileCheckpointStoreOptions } from './node/file-checkpoint-store';
export { FileCheckpointStore, loadCheckpointDir } from './node/file-checkpoint-store';
export { readHistory, writeHistory } from './node/history-file';
