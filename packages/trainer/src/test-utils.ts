import { readFileSync } from 'node:fs';
import { Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource, CheckpointData, CheckpointStore } from './index';

/** The backends the numeric tests run on: the CPU ones of `tooling/test-backends.ts`. */
export { CPU_TEST_BACKENDS as TEST_BACKENDS } from '../../../tooling/test-backends';

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

export interface FcState {
  weight_out_in: number[][];
  bias: number[];
}
/** A case of `fixtures/torch-parity/mlp_train_steps.json`: PyTorch's weights after each of three steps. */
export interface TrainCase {
  dims: [number, number, number, number];
  activation: 'relu' | 'sigmoid';
  batchnorm: boolean;
  lr: number;
  momentum: number;
  init: { fc: FcState[] };
  steps: {
    x: number[][];
    labels: number[];
    loss: number;
    fc_after: FcState[];
    bn_after: { gamma: number[]; beta: number[]; running_mean: number[]; running_var: number[] }[];
  }[];
}
/** The fixture's network (no dropout), holding PyTorch's initial weights. */
export function fixtureModel(c: TrainCase): Mlp {
  const [inputSize, h1, h2, classes] = c.dims;
  const model = new Mlp({
    inputSize,
    hidden: [h1, h2],
    numClasses: classes,
    activation: c.activation,
    dropout: 0,
    batchNorm: c.batchnorm,
  });
  const init = Object.fromEntries(
    c.init.fc.flatMap((fc, i) => [
      [`fc${i + 1}.weight`, tf.tensor2d(fc.weight_out_in)],
      [`fc${i + 1}.bias`, tf.tensor1d(fc.bias)],
    ]),
  );
  model.loadStateDict(init, { strict: false });
  tf.dispose(Object.values(init));
  return model;
}
