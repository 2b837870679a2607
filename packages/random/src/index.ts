export type { RngState } from './rng';
export { deriveSeed, Rng } from './rng';
