export type { Nonlinearity } from './calculate-gain';
export { calculateGain } from './calculate-gain';
