import * as tf from '@tensorflow/tfjs-core';

/** Per-class precision, recall and F1, from a confusion matrix. */
export interface ClassMetrics {
  readonly label: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Examples whose true class this is. */
  readonly support: number;
}

/** What {@link evaluate} measures over a whole dataset. */
export interface EvaluationResult {
  /** Mean loss per example. */
  readonly loss: number;
  /**
   * The test loss as the lesson prints it: the sum of each batch's mean loss divided by the number
   * of examples (so it is about the mean loss divided by the batch size).
   */
  readonly lessonTestLoss: number;
  /** Fraction correct, in [0, 1]. */
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  /** `confusion[true][predicted]` counts. */
  readonly confusion: number[][];
  readonly perClass: ClassMetrics[];
}

/** Precision, recall and F1 of each class from `confusion[true][predicted]` (0 where undefined). */
export function perClassMetrics(confusion: readonly (readonly number[])[]): ClassMetrics[] {
  return confusion.map((row, c) => {
    const tp = row[c] ?? 0;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + (r[c] ?? 0), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label: c, precision, recall, f1, support };
  });
}

/**
 * Sums over batches kept on the device: nothing is read back until {@link read}, so a training
 * step never waits for the device. Each `add` disposes of the tensors it is given.
 */
export class DeviceSums {
  private sums: Map<string, tf.Tensor> = new Map();

  /** Adds `value` to the running sum named `name` (the sum takes the value's shape). */
  add(name: string, value: tf.Tensor): void {
    const previous = this.sums.get(name);
    if (previous === undefined) {
      this.sums.set(name, value);
      return;
    }
    this.sums.set(name, tf.add(previous, value));
    tf.dispose([previous, value]);
  }

  /** Sets a sum directly (to restore a checkpoint). */
  set(name: string, value: tf.Tensor): void {
    this.sums.get(name)?.dispose();
    this.sums.set(name, value);
  }

  /** Reads every sum (asynchronously, safe on WebGPU). */
  async read(): Promise<Record<string, number[]>> {
    const out: Record<string, number[]> = {};
    for (const [name, t] of this.sums) out[name] = Array.from(await t.data());
    return out;
  }

  /** Frees the device tensors the sums are kept in. */
  dispose(): void {
    tf.dispose([...this.sums.values()]);
    this.sums.clear();
  }
}
