import { z } from 'zod';
import type { TrainingPosition } from './checkpoint';
import { TrainerError } from './errors';

const count = z.number().int().nonnegative();
const uint32 = z.number().int().min(0).max(0xffff_ffff);
// JSON turns NaN and ±Infinity into null: a record of a run that had them reads back as null.
const metric = z.number().nullable();

const distribution = z.looseObject({
  mean: metric,
  std: metric,
  histogram: z.array(count).optional(),
});
/** A probe as `fit` records it (see `ProbeRecord`). */
const probeSchema = z.looseObject({
  epoch: z.number().int().positive(),
  step: count,
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
  gradNorm: z.record(z.string(), metric),
  weightNorm: z.record(z.string(), metric),
  updateRatio: z.record(z.string(), metric),
});

const epochRecordSchema = z.looseObject({
  epoch: z.number().int().positive(),
  trainLoss: metric,
  trainAccuracy: metric,
  validation: z
    .looseObject({
      loss: metric,
      // Optional: checkpoints written before the rename hold `seedTestLoss` instead.
      lessonTestLoss: metric.optional(),
      accuracy: metric,
      correct: count,
      total: count,
    })
    .optional(),
  trainEvaluation: z.looseObject({ loss: metric, accuracy: metric }).optional(),
  lr: z.number(),
  seconds: z.number(),
  validationSeconds: z.number(),
  samplesPerSecond: metric,
  globalStep: count,
  probes: z.array(probeSchema).optional(),
});

/** What a checkpoint's `state.json` must hold: a {@link TrainingPosition}. */
export const trainingPositionSchema = z.object({
  epoch: count,
  batch: count,
  globalStep: count,
  partial: z.object({
    lossSum: z.number(),
    correct: z.number().nonnegative(),
    seen: count,
    seconds: z.number().nonnegative(),
    probes: z.array(probeSchema).optional(),
  }),
  history: z.array(epochRecordSchema),
  rng: z.record(
    z.string(),
    z.tuple([uint32, uint32, uint32, uint32]).refine((s) => s.some((w) => w !== 0), {
      message: 'the all-zero generator state is invalid',
    }),
  ),
  run: z.unknown().optional(),
});

/**
 * Checks a parsed `state.json` against {@link trainingPositionSchema}, naming `file` and the first
 * field that is wrong: a checkpoint is trusted only once every field is what `fit` wrote.
 */
export function parseTrainingPosition(value: unknown, file: string): TrainingPosition {
  const result = trainingPositionSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    throw new TrainerError(
      'bad-checkpoint',
      `${file}: not a checkpoint's training position: at ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const position = result.data as TrainingPosition;
  const wrong = inconsistency(position);
  if (wrong !== undefined)
    throw new TrainerError(
      'bad-checkpoint',
      `${file}: the training position is inconsistent: ${wrong}`,
    );
  return position;
}

/**
 * What does not add up in a position, or undefined: `fit` records one epoch record per finished
 * epoch, in order, and takes one step per batch, so the step count is the last record's plus the
 * batches of the epoch under way.
 */
function inconsistency(p: TrainingPosition): string | undefined {
  if (p.history.length !== p.epoch)
    return `epoch ${p.epoch} with ${p.history.length} epoch records (one per finished epoch)`;
  const misplaced = p.history.findIndex((h, i) => h.epoch !== i + 1);
  if (misplaced >= 0)
    return `epoch record ${misplaced + 1} says epoch ${p.history[misplaced]?.epoch}`;
  const before = p.history.at(-1)?.globalStep ?? 0;
  if (p.globalStep !== before + p.batch)
    return `step ${p.globalStep}, but ${before} steps before this epoch and ${p.batch} batches into it make ${before + p.batch}`;
  if ((p.partial.seen === 0) !== (p.batch === 0))
    return `${p.partial.seen} examples seen in ${p.batch} batches of this epoch`;
  const late = p.partial.probes?.find((q) => q.step >= p.globalStep);
  if (late !== undefined) return `a probe of step ${late.step} before step ${p.globalStep}`;
  return undefined;
}
