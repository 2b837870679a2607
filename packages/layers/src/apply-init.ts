import type { Rng } from '@mnist-lab/random';
import type { InitConfig, InitName } from './initializers';
import { Linear } from './linear';
import type { Module } from './module';

/** Options of {@link applyInit}. */
export interface ApplyInitOptions {
  /** The generator to draw from. */
  readonly rng: Rng;
  /** `'weight'` (the default) re-initializes weights and leaves biases, like the lesson's `weight_init`. */
  readonly only?: 'weight' | 'all';
}

/**
 * Re-initializes every `Linear` of a model in place, in module order, like the lesson's
 * `model.apply(weight_init)` with `init.kaiming_uniform_(m.weight.data)`.
 *
 * @example applyInit(model, 'he-uniform', { rng: new Rng(1) })
 */
export function applyInit(
  model: Module,
  init: InitName | InitConfig,
  options: ApplyInitOptions,
): void {
  model.apply((m) => {
    if (m instanceof Linear) m.reset(init, options.rng, options.only ?? 'weight');
  });
}
