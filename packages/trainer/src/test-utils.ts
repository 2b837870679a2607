import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource, CheckpointData, CheckpointStore } from './index';

/**
 * The backends the numeric tests run on: cpu, and wasm twice: its matrix products and the SGD update
 * on OpenBLAS (Node's default; CI installs libopenblas0-pthread), and pure wasm (XNNPACK and tfjs's
 * element-wise kernels, as in a browser).
 */
export const TEST_BACKENDS = [
  { label: 'cpu', prefer: 'cpu' },
  { label: 'wasm + OpenBLAS', prefer: 'wasm', blas: 'require' },
  { label: 'wasm, XNNPACK', prefer: 'wasm', blas: 'off' },
] as const;

/** A PyTorch parity fixture from `fixtures/torch-parity/`. */
export function loadFixture<T>(name: string): T {
  const url = new URL(`../../../fixtures/torch-parity/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** A batch source over fixed arrays: epoch `e` yields `batchesOf(e)` as tensors. */
export function arraySource(
  batchesOf: (epoch: number) => { x: number[][]; y: number[] }[],
): BatchSource {
  return {
    *epoch(epoch: number, start = 0) {
      for (const b of batchesOf(epoch).slice(start))
        yield { x: tf.tensor2d(b.x), y: tf.tensor1d(b.y, 'int32') };
    },
  };
}

/** Keeps checkpoints in memory, newest last. */
export class MemoryStore implements CheckpointStore {
  saved: CheckpointData[] = [];
  async save(c: CheckpointData) {
    this.saved.push(c);
    return `memory:${this.saved.length}`;
  }
  async loadLatest() {
    return this.saved.at(-1);
  }
}
