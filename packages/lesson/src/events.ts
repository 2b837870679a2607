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
  seconds: z.number(),
  validationSeconds: z.number().optional(),
  samplesPerSecond: metric.optional(),
  backend: z.string().optional(),
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
  checkpointEventSchema,
  doneEventSchema,
]);
export type EpochEventLine = z.output<typeof epochEventSchema>;
export type CheckpointEventLine = z.output<typeof checkpointEventSchema>;
export type DoneEventLine = z.output<typeof doneEventSchema>;
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
