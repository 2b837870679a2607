export type { LrScheduleConfig } from './lr-schedule';
export { learningRateAt } from './lr-schedule';
