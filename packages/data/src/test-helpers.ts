import { encodeIdxUint8, type IdxFiles } from './index';

/** A tiny synthetic dataset's four IDX files: `n` images of 4×4 whose pixels encode their index. */
export function tinyIdxFiles(nTrain = 12, nTest = 5): IdxFiles {
  const images = (n: number, offset: number) =>
    encodeIdxUint8(
      [n, 4, 4],
      Uint8Array.from({ length: n * 16 }, (_, i) => (Math.floor(i / 16) + offset) % 256),
    );
  const labels = (n: number) =>
    encodeIdxUint8(
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 10),
    );
  return {
    trainImages: { file: 'train-images-idx3-ubyte', bytes: images(nTrain, 0) },
    trainLabels: { file: 'train-labels-idx1-ubyte', bytes: labels(nTrain) },
    testImages: { file: 't10k-images-idx3-ubyte', bytes: images(nTest, 100) },
    testLabels: { file: 't10k-labels-idx1-ubyte', bytes: labels(nTest) },
  };
}
