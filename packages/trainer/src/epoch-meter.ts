import * as tf from '@tensorflow/tfjs-core';
import type { TrainingPosition } from './checkpoint';
import { TrainerError } from './errors';
import type { ProbeRecord } from './probes';

/** What a report says of the epoch so far. */
export interface MeterReading {
  /** The newest step's loss. */
  readonly loss: number;
  /** The mean loss per example over the epoch so far. */
  readonly meanLoss: number;
  /** Examples per second since the last lap. */
  readonly samplesPerSecond: number;
}

/**
 * One epoch's metrics: each step's loss and correct count stay on the device until the next check,
 * when all of them are read in one go (so no step waits for the device, and no step runs an op for
 * its metrics) and a NaN or infinite loss stops training, naming where it happened. The running
 * sums are then taken in float32 in step order (`sum + loss·size`, as the device would add them).
 * It also times the epoch. Dispose it when the epoch ends, or when training stops.
 */
export class EpochMeter {
  /** Examples seen this epoch. */
  seen: number;
  /** Training seconds this epoch, up to the last lap. */
  seconds: number;
  /** The float32 sums of the checked steps. */
  private lossSum = 0;
  private correct = 0;
  private unchecked: {
    loss: tf.Tensor;
    correct: tf.Tensor;
    size: number;
    globalStep: number;
    batch: number;
  }[] = [];
  /** The epoch's probes so far. */
  readonly probes: ProbeRecord[];
  private lapStart = performance.now();
  private lapSeen = 0;

  /** `epoch` is 0-based; `partial` restores a checkpoint's sums mid-epoch. */
  constructor(
    readonly epoch: number,
    partial?: TrainingPosition['partial'],
  ) {
    this.seen = partial?.seen ?? 0;
    this.seconds = partial?.seconds ?? 0;
    this.probes = [...(partial?.probes ?? [])];
    if (partial !== undefined && partial.seen > 0) {
      this.lossSum = Math.fround(partial.lossSum);
      this.correct = Math.fround(partial.correct);
    }
  }

  /** Records one step: its mean loss and correct count (both kept until the next check), its size. */
  record(loss: tf.Scalar, correct: tf.Tensor, size: number, globalStep: number, batch: number) {
    this.seen += size;
    this.lapSeen += size;
    this.unchecked.push({ loss, correct, size, globalStep, batch });
  }

  /** Steps whose loss has not been checked yet. */
  get uncheckedSteps(): number {
    return this.unchecked.length;
  }

  /**
   * Reads every unchecked loss and count in one device read, stops on the first loss that is not
   * finite, and adds them to the sums. Returns the newest loss and the sums.
   */
  async check(): Promise<{ newest: number | undefined; lossSum: number; correct: number }> {
    const steps = this.unchecked;
    const n = steps.length;
    this.unchecked = [];
    let values: Float32Array<ArrayBufferLike> = new Float32Array(0);
    if (n > 0) {
      const joined = tf.tidy(() =>
        tf.concat([
          ...steps.map((u) => tf.reshape(u.loss, [1])),
          ...steps.map((u) => tf.cast(tf.reshape(u.correct, [1]), 'float32')),
        ]),
      );
      values = (await joined.data()) as Float32Array;
      joined.dispose();
      tf.dispose(steps.flatMap((u) => [u.loss, u.correct]));
    }
    const bad = values.subarray(0, n).findIndex((v) => !Number.isFinite(v));
    const at = steps[bad];
    if (at !== undefined) {
      throw new TrainerError(
        'non-finite-loss',
        `the training loss became NaN or infinite at epoch ${this.epoch + 1}, step ${at.batch} (global step ${at.globalStep}); stopped before epoch ${this.epoch + 1} could save it`,
      );
    }
    const f = Math.fround;
    steps.forEach((u, i) => {
      this.lossSum = f(this.lossSum + f((values[i] as number) * u.size));
      this.correct = f(this.correct + (values[n + i] as number));
    });
    return {
      newest: n > 0 ? values[n - 1] : undefined,
      lossSum: this.lossSum,
      correct: this.correct,
    };
  }

  /** A progress report: the newest loss, the epoch's mean loss and the speed, in one device read. */
  async report(): Promise<MeterReading> {
    const { newest, lossSum } = await this.check();
    return {
      loss: newest ?? Number.NaN,
      meanLoss: lossSum / this.seen,
      samplesPerSecond: this.lapSeen / Math.max((performance.now() - this.lapStart) / 1000, 1e-9),
    };
  }

  /** Adds the time since the last lap to `seconds` and starts a new lap (for the speed). */
  lap(): void {
    const now = performance.now();
    this.seconds += (now - this.lapStart) / 1000;
    this.lapStart = now;
    this.lapSeen = 0;
  }

  /** The epoch's sums so far, checked: what a checkpoint saves. */
  async partial(): Promise<TrainingPosition['partial']> {
    const { lossSum, correct } = await this.check();
    return {
      lossSum,
      correct,
      seen: this.seen,
      seconds: this.seconds,
      ...(this.probes.length > 0 ? { probes: [...this.probes] } : {}),
    };
  }

  dispose(): void {
    tf.dispose(this.unchecked.flatMap((u) => [u.loss, u.correct]));
    this.unchecked = [];
  }
}
