import type { Module } from '@mnist-lab/layers';
import type * as tf from '@tensorflow/tfjs-core';
import {
  type CheckpointData,
  encodeOptimizer,
  encodeStateDict,
  loadOptimizerBytes,
  loadStateDictBytes,
  type TrainingPosition,
} from './checkpoint';
import type { EpochMeter } from './epoch-meter';
import { TrainerError } from './errors';
import type { EpochRecord } from './events';
import type { ParsedFitOptions } from './fit-options';

/** Where training stands when a checkpoint is taken (the epoch's sums come from its meter). */
export interface SavePoint {
  /** 0-based epoch in progress (or about to start). */
  readonly epoch: number;
  /** Batches of that epoch already done. */
  readonly batch: number;
  readonly globalStep: number;
  readonly history: readonly EpochRecord[];
}

/** Where a run starts that resumes nothing. */
export const START: TrainingPosition = {
  epoch: 0,
  batch: 0,
  globalStep: 0,
  partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
  history: [],
  rng: {},
};

/**
 * Saves and restores what `fit` needs to go on exactly where it stopped: the model's state dict,
 * the optimizer's slots, the random generators' states and the position. A position is saved once
 * (a stop right after an epoch's checkpoint adds none).
 */
export class Checkpointer {
  private savedAt = '';

  constructor(
    private readonly model: Module,
    private readonly optimizer: tf.Optimizer,
    private readonly options: Pick<ParsedFitOptions, 'checkpoint' | 'runInfo' | 'emit'>,
  ) {}

  /** Loads a checkpoint into the model, the optimizer and the generators; returns its position. */
  async restore(checkpoint: CheckpointData): Promise<TrainingPosition> {
    loadStateDictBytes(this.model, checkpoint.model);
    await loadOptimizerBytes(this.optimizer, checkpoint.optimizer);
    const position = checkpoint.position;
    for (const [name, rng] of this.model.namedGenerators()) {
      const state = position.rng[name];
      if (state === undefined)
        throw new TrainerError(
          'bad-checkpoint',
          `the checkpoint has no state for generator '${name}'`,
        );
      rng.setState(state);
    }
    this.savedAt = key(position);
    return position;
  }

  /** Saves a checkpoint at `point` (with the epoch's sums from `meter`), unless one is there. */
  async save(point: SavePoint, meter?: EpochMeter): Promise<void> {
    const store = this.options.checkpoint?.store;
    if (store === undefined || this.savedAt === key(point)) return;
    const partial = meter === undefined ? START.partial : await meter.partial();
    const data: CheckpointData = {
      model: await encodeStateDict(this.model),
      optimizer: await encodeOptimizer(this.optimizer),
      position: {
        epoch: point.epoch,
        batch: point.batch,
        globalStep: point.globalStep,
        partial,
        history: point.history,
        rng: Object.fromEntries(
          this.model.namedGenerators().map(([name, rng]) => [name, rng.getState()]),
        ),
        ...(this.options.runInfo === undefined ? {} : { run: this.options.runInfo }),
      },
    };
    const location = await store.save(data);
    this.savedAt = key(point);
    await this.options.emit({
      type: 'checkpoint',
      epoch: point.epoch + 1,
      globalStep: point.globalStep,
      location,
    });
  }
}

const key = (p: Pick<SavePoint, 'epoch' | 'batch' | 'globalStep'>) =>
  `${p.epoch}:${p.batch}:${p.globalStep}`;
