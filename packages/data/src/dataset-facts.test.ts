import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_FACTS, KNOWN_DATASETS, MNIST_FACTS } from './index';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('dataset facts', () => {
  it('MNIST has 60000 training and 10000 test examples over 10 classes', () => {
    expect(sum(MNIST_FACTS.trainLabelCounts)).toBe(60000);
    expect(sum(MNIST_FACTS.testLabelCounts)).toBe(10000);
    expect(MNIST_FACTS.trainLabelCounts).toHaveLength(MNIST_FACTS.numClasses);
  });

  it('Fashion-MNIST has the same sizes and balanced classes', () => {
    expect(sum(FASHION_MNIST_FACTS.trainLabelCounts)).toBe(60000);
    expect(sum(FASHION_MNIST_FACTS.testLabelCounts)).toBe(10000);
    expect(FASHION_MNIST_FACTS.classNames).toHaveLength(10);
  });

  it('pins a 64-hex-digit SHA-256 for every file and indexes datasets by name', () => {
    for (const facts of Object.values(KNOWN_DATASETS)) {
      for (const digest of Object.values(facts.sha256)) expect(digest).toMatch(/^[0-9a-f]{64}$/);
      expect(KNOWN_DATASETS[facts.name]).toBe(facts);
    }
  });
});
