import { TrainerError } from './errors';
/** A learning-rate schedule, as a plain validated config. */
export type LrScheduleConfig =
  | {
      /** Multiply the rate by `gamma` every `stepSize` epochs, like PyTorch's `StepLR`. */
      readonly type: 'step';
      readonly stepSize: number;
      /** Defaults to 0.1, as in PyTorch. */
      readonly gamma?: number;
    }
  | {
      /** Anneal from the base rate to `minLr` over `tMax` epochs, like PyTorch's `CosineAnnealingLR`. */
      readonly type: 'cosine';
      readonly tMax: number;
      /** Defaults to 0. */
      readonly minLr?: number;
    };

/**
 * The learning rate for a zero-based epoch under a schedule, in closed form (the same values
 * PyTorch's `StepLR` and `CosineAnnealingLR` give when stepped once per epoch).
 *
 * @example learningRateAt(0.1, { type: 'step', stepSize: 2, gamma: 0.5 }, 3) // 0.05
 */
export function learningRateAt(
  baseLr: number,
  schedule: LrScheduleConfig | undefined,
  epoch: number,
): number {
  if (schedule === undefined) return baseLr;
  switch (schedule.type) {
    case 'step': {
      const gamma = schedule.gamma ?? 0.1;
      return baseLr * gamma ** Math.floor(epoch / schedule.stepSize);
    }
    case 'cosine': {
      const minLr = schedule.minLr ?? 0;
      const t = Math.min(epoch, schedule.tMax);
      return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * t) / schedule.tMax))) / 2;
    }
    default:
      schedule satisfies never;
      throw new TrainerError(
        'invalid-option',
        `unknown learning-rate schedule ${JSON.stringify(schedule)}`,
      );
  }
}
