import { z } from 'zod';

// JSON writes NaN and ±Infinity as null: a metric may read back as null.
const metric = z.number().nullable();
/** An accuracy: a fraction in [0, 1] (a percentage here is a mistake, and refused). */
const accuracy = z.number().min(0).max(1).nullable();
const run = { config: z.string(), seed: z.number().int() };

/** One epoch of one run. Accuracies are fractions in [0, 1], as everywhere in mnist-lab's APIs and files. */
export const epochEventSchema = z.looseObject({
  event: z.literal('epoch'),
  ...run,
  epoch: z.number().int().positive(),
  trainLoss: metric,
  trainAccuracy: accuracy,
  /** Mean loss per test example. */
  testLoss: metric.optional(),
  /** The lesson's "Test Loss": the sum of per-batch mean losses over the number of examples. */
  lessonTestLoss: metric.optional(),
  testAccuracy: accuracy,
  /** With `--train-eval N`: the first N training examples in eval mode (no dropout). */
  trainEvalLoss: metric.optional(),
  trainEvalAccuracy: accuracy.optional(),
  seconds: z.number(),
  validationSeconds: z.number().optional(),
  samplesPerSecond: metric.optional(),
  backend: z.string().optional(),
});

const distribution = z.looseObject({
  mean: metric,
  std: metric,
  histogram: z.array(z.number().int().nonnegative()).optional(),
});
const byParameter = z.record(z.string(), metric);

/**
 * A look inside the network during one training step, before its update (`--probe-every N`): per
 * layer (`fc1`, `fc2`, ...) the distributions of its linear output, its activation's input and
 * output (histograms over 32 bins of width 0.5 on [-8, 8]) and its dead or saturated units; per
 * parameter (PyTorch's names, `fc1.weight`) the gradient's norm, the weight's norm and the update's
 * norm relative to the weight's.
 */
export const probeEventSchema = z.looseObject({
  event: z.literal('probe'),
  ...run,
  epoch: z.number().int().positive(),
  step: z.number().int().nonnegative(),
  layers: z.record(
    z.string(),
    z.looseObject({
      linear: distribution,
      pre: distribution.optional(),
      act: distribution.optional(),
      saturated: metric.optional(),
      dead: metric.optional(),
    }),
  ),
  gradNorm: byParameter,
  weightNorm: byParameter,
  updateRatio: byParameter,
});

/** A checkpoint saved: where, and at which step. */
export const checkpointEventSchema = z.looseObject({
  event: z.literal('checkpoint'),
  ...run,
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  path: z.string(),
});

/** A run that finished: its saved model and what it took. */
export const doneEventSchema = z.looseObject({
  event: z.literal('done'),
  ...run,
  model: z.string(),
  epochs: z.number().int().nonnegative(),
  seconds: z.number(),
  backend: z.string().optional(),
  maxRssMB: z.number().optional(),
});

/** What `mnist-lab train --json` writes, one per line, and `compare` reads from its runs. */
export const runEventSchema = z.discriminatedUnion('event', [
  epochEventSchema,
  probeEventSchema,
  checkpointEventSchema,
  doneEventSchema,
]);
/** An `epoch` line of a run's event stream, as {@link epochEventSchema} checks it. */
export type EpochEventLine = z.output<typeof epochEventSchema>;
/** A `probe` line of a run's event stream. */
export type ProbeEventLine = z.output<typeof probeEventSchema>;
/** A `checkpoint` line of a run's event stream. */
export type CheckpointEventLine = z.output<typeof checkpointEventSchema>;
/** The `done` line that ends a run's event stream. */
export type DoneEventLine = z.output<typeof doneEventSchema>;
/** Any line of a run's event stream. */
export type RunEventLine = z.output<typeof runEventSchema>;

/**
 * Reads one line of `train --json`: the event it holds, or undefined for a line that is not one
 * (not JSON, or not an event of this schema).
 */
export function parseRunEvent(line: string): RunEventLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const result = runEventSchema.safeParse(value);
  return result.success ? result.data : undefined;
}
