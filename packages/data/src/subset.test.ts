import { describe, expect, it } from 'vitest';
import {
  datasetFromIdx,
  labelHistogram,
  selectExamples,
  splitValidation,
  takeFirst,
} from './index';
import { tinyIdxFiles } from './test-helpers';

const { train } = datasetFromIdx(tinyIdxFiles(40, 5), { name: 'tiny' });

describe('subsets', () => {
  it('takes the first n examples', () => {
    const first = takeFirst(train, 3);
    expect(first.count).toBe(3);
    expect(Array.from(first.labels)).toEqual([0, 1, 2]);
    expect(first.images.length).toBe(3 * 16);
    expect(() => takeFirst(train, 41)).toThrow(
      'n must be an integer in [1, 40] for tiny/train, got 41',
    );
  });

  it('selects examples by index, copying them', () => {
    const picked = selectExamples(train, [5, 0]);
    expect(Array.from(picked.labels)).toEqual([5, 0]);
    expect(picked.images[0]).toBe(5);
    expect(() => selectExamples(train, [40])).toThrow('index 40 is outside tiny/train (0..39)');
  });

  it('splits off a seeded validation set that partitions the data', () => {
    const a = splitValidation(train, { validation: 0.25, seed: 1 });
    const b = splitValidation(train, { validation: 10, seed: 1 });
    expect(a.validation.count).toBe(10);
    expect(a.train.count).toBe(30);
    expect(Array.from(a.validation.images)).toEqual(Array.from(b.validation.images));
    const ids = (d: typeof train) =>
      Array.from({ length: d.count }, (_, i) => d.images[i * 16] as number);
    expect([...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    const c = splitValidation(train, { validation: 10, seed: 2 });
    expect(ids(c.validation)).not.toEqual(ids(a.validation));
    expect(labelHistogram(a.train).reduce((x, y) => x + y, 0)).toBe(30);
    expect(() => splitValidation(train, { validation: 40 })).toThrow(
      /validation must be a fraction/,
    );
  });
});
