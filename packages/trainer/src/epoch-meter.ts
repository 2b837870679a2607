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
 * One epoch's metrics, kept on the device: the running loss and correct-prediction sums, and each
 * step's loss until the next check, when all of them are read in one go (so no step waits for
 * the device) and a NaN or infinite loss stops training, naming where it happened. It also times
 * the epoch. Dispose it when the epoch ends, or when training stops.
 */
export class EpochMeter {
  /** Examples seen this epoch. */
  seen: number;
  /** Training seconds this epoch, up to the last lap. */
  seconds: number;
  private lossSum: tf.Tensor | undefined;
  private correct: tf.Tensor | undefined;
  private unchecked: { loss: tf.Tensor; globalStep: number; batch: number }[] = [];
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
      this.lossSum = tf.scalar(partial.lossSum);
      this.correct = tf.scalar(partial.correct);
    }
  }

  /** Records one step: its mean loss (kept until the next check), its correct count, its size. */
  record(loss: tf.Scalar, correct: tf.Tensor, size: number, globalStep: number, batch: number) {
    this.seen += size;
    this.lapSeen += size;
    this.lossSum = accumulate(this.lossSum, tf.mul(loss, size));
    this.correct = accumulate(this.correct, correct);
    this.unchecked.push({ loss, globalStep, batch });
  }

  /** Steps whose loss has not been checked yet. */
  get uncheckedSteps(): number {
    return this.unchecked.length;
  }

  /**
   * Reads every unchecked loss (and, with `sums`, the running sums) in one device read, and stops
   * on the first that is not finite. Returns the newest loss and the sums.
   */
  async check(
    sums = false,
  ): Promise<{ newest: number | undefined; lossSum: number; correct: number }> {
    const n = this.unchecked.length;
    if (n === 0 && !sums) return { newest: undefined, lossSum: 0, correct: 0 };
    const joined = tf.tidy(() =>
      tf.concat([
        ...this.unchecked.map((u) => tf.reshape(u.loss, [1])),
        ...(sums ? [this.lossSum, this.correct] : []).map((t) =>
          tf.reshape(t ?? tf.zeros([]), [1]),
        ),
      ]),
    );
    const values = await joined.data();
    joined.dispose();
    const bad = values.subarray(0, n).findIndex((v) => !Number.isFinite(v));
    const at = this.unchecked[bad];
    tf.dispose(this.unchecked.map((u) => u.loss));
    this.unchecked = [];
    if (at !== undefined) {
      throw new TrainerError(
        'non-finite-loss',
        `the training loss became NaN or infinite at epoch ${this.epoch + 1}, step ${at.batch} (global step ${at.globalStep}); stopped before epoch ${this.epoch + 1} could save it`,
      );
    }
    return {
      newest: n > 0 ? values[n - 1] : undefined,
      lossSum: sums ? (values[n] as number) : 0,
      correct: sums ? (values[n + 1] as number) : 0,
    };
  }

  /** A progress report: the newest loss, the epoch's mean loss and the speed, in one device read. */
  async report(): Promise<MeterReading> {
    const { newest, lossSum } = await this.check(true);
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
    const { lossSum, correct } = await this.check(true);
    return {
      lossSum,
      correct,
      seen: this.seen,
      seconds: this.seconds,
      ...(this.probes.length > 0 ? { probes: [...this.probes] } : {}),
    };
  }

  dispose(): void {
    tf.dispose([...this.unchecked.map((u) => u.loss), this.lossSum, this.correct].filter(isTensor));
    this.unchecked = [];
    this.lossSum = undefined;
    this.correct = undefined;
  }
}

const isTensor = (t: tf.Tensor | undefined): t is tf.Tensor => t !== undefined;

/** `sum + value` (or `value` first), disposing what it replaces. */
function accumulate(sum: tf.Tensor | undefined, value: tf.Tensor): tf.Tensor {
  if (sum === undefined) return value;
  const next = tf.add(sum, value);
  tf.dispose([sum, value]);
  return next;
}
