import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchLoader, datasetFromIdx, MNIST_NORMALIZATION, toFloat32Pixels } from './index';
import { tinyIdxFiles } from './test-helpers';

// Where the engine has no wasm SIMD, batches are made by the JavaScript loop over the table: the
// same floats.
vi.mock('./pixels-simd', () => ({ simdPixels: () => undefined }));

const { train } = datasetFromIdx(tinyIdxFiles(12, 5), { name: 'tiny' });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BatchLoader without wasm SIMD', () => {
  it('gives toFloat32Pixels floats, bit for bit', () => {
    const all = toFloat32Pixels(train, MNIST_NORMALIZATION);
    const loader = new BatchLoader(train, { batchSize: 4, normalization: MNIST_NORMALIZATION });
    const indices = [train.count - 1, 0, 2, 1];
    const { x, y } = loader.makeBatch(indices);
    const expected = indices.flatMap((j) => Array.from(all.subarray(j * 16, (j + 1) * 16)));
    expect(Array.from(new Uint32Array(Float32Array.from(x.dataSync()).buffer))).toEqual(
      Array.from(new Uint32Array(Float32Array.from(expected).buffer)),
    );
    expect(Array.from(y.dataSync())).toEqual(indices.map((j) => train.labels[j]));
    tf.dispose([x, y]);
  });
});
