export type {
  CheckpointEventLine,
  DoneEventLine,
  EpochEventLine,
  RunEventLine,
} from './events';
export {
  checkpointEventSchema,
  doneEventSchema,
  epochEventSchema,
  parseRunEvent,
  runEventSchema,
} from './events';
export type { LessonPreset } from './presets';
export { LESSON_PRESET_NAMES, LESSON_PRESET_TITLES, LESSON_PRESETS } from './presets';
export { probabilities } from './probabilities';
export { LESSON_RECIPE } from './recipe';
export type { LessonEpoch } from './results';
export { formatPercent, LESSON_RESULTS } from './results';
export type { NetworkSpec, RunSpec, RunSpecInput, RunSpecIssue } from './run-spec';
export {
  BACKEND_CHOICES,
  BLAS_CHOICES,
  DATASET_CHOICES,
  modelFromSpec,
  networkName,
  OPTIMIZER_CHOICES,
  parseRunSpec,
  runName,
  runSpecSchema,
} from './run-spec';
