import { describe, expect, it } from 'vitest';
import { DataError, datasetFromIdx, encodeIdxUint8, splitFromIdx } from './index';
import { tinyIdxFiles } from './test-helpers';

const catchError = (fn: () => unknown): DataError => {
  try {
    fn();
  } catch (error) {
    if (DataError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DataError');
};

describe('datasetFromIdx', () => {
  it('assembles both splits with shapes and labels', () => {
    const ds = datasetFromIdx(tinyIdxFiles(), { name: 'tiny' });
    expect(ds.train).toMatchObject({
      name: 'tiny/train',
      count: 12,
      rows: 4,
      cols: 4,
      numClasses: 10,
    });
    expect(ds.test.count).toBe(5);
    expect(ds.train.images.length).toBe(12 * 16);
    expect(Array.from(ds.train.labels.subarray(0, 3))).toEqual([0, 1, 2]);
  });

  it('rejects image and label counts that differ, naming both files', () => {
    const files = tinyIdxFiles();
    const e = catchError(() =>
      splitFromIdx('x', files.trainImages, {
        file: 'labels.idx',
        bytes: encodeIdxUint8([11], new Uint8Array(11)),
      }),
    );
    expect(e.code).toBe('count-mismatch');
    expect(e.message).toBe(
      'labels.idx: holds 11 labels but train-images-idx3-ubyte holds 12 images; expected the same count',
    );
  });

  it('rejects a label outside [0, numClasses), naming its index and value', () => {
    const files = tinyIdxFiles();
    const labels = encodeIdxUint8(
      [12],
      Uint8Array.from({ length: 12 }, (_, i) => (i === 7 ? 10 : 1)),
    );
    const e = catchError(() =>
      splitFromIdx('x', files.trainImages, { file: 'l.idx', bytes: labels }),
    );
    expect(e.code).toBe('label-out-of-range');
    expect(e.message).toBe(
      'l.idx: label 10 at index 7 is out of range; expected a class in [0, 9]',
    );
  });

  it('rejects files of the wrong shape: labels given as images and the reverse', () => {
    const files = tinyIdxFiles();
    const e = catchError(() => splitFromIdx('x', files.trainLabels, files.trainImages));
    expect(e.code).toBe('wrong-shape');
    expect(e.message).toMatch(
      /train-labels-idx1-ubyte: expected uint8 images of shape N×rows×cols, got uint8 of shape 12/,
    );
  });
});
