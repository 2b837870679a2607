import type { MlpConfigInput } from '@mnist-lab/layers';

/**
 * The lesson's four networks, each the one before with one technique changed: sigmoid + dropout;
 * ReLU + dropout; + BatchNorm1d; + He-uniform weights. The rest of the network (784-512-256-10,
 * log-softmax output) is the builder's default.
 */
export const LESSON_PRESETS = {
  sigmoid: { activation: 'sigmoid', dropout: 0.5, batchNorm: false, init: 'torch-default' },
  relu: { activation: 'relu', dropout: 0.5, batchNorm: false, init: 'torch-default' },
  bn: { activation: 'relu', dropout: 0.5, batchNorm: true, init: 'torch-default' },
  he: { activation: 'relu', dropout: 0.5, batchNorm: true, init: 'he-uniform' },
} as const satisfies Record<string, MlpConfigInput>;

/** The name of one of the lesson's networks. */
export type LessonPreset = keyof typeof LESSON_PRESETS;

/** The four names, in the lesson's order. */
export const LESSON_PRESET_NAMES = Object.keys(LESSON_PRESETS) as [LessonPreset, ...LessonPreset[]];

/** What each preset shows, in a line. */
export const LESSON_PRESET_TITLES: Readonly<Record<LessonPreset, string>> = {
  sigmoid: 'Sigmoid + dropout 0.5',
  relu: 'ReLU + dropout 0.5',
  bn: 'ReLU + dropout + BatchNorm1d',
  he: 'ReLU + dropout + BatchNorm1d + He uniform',
};
