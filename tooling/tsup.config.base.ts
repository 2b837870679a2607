import type { Options } from 'tsup';

/**
 * The one build recipe every library shares: ESM with declarations and sourcemaps, and every
 * dependency left external so that a user's single copy of `@tensorflow/tfjs-core` is the one used.
 */
export function libraryConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'es2022',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    ...overrides,
  };
}
