export type { Bilingual, LessonChapter } from './chapters';
export { LESSON_CHAPTERS } from './chapters';
export type {
  CheckpointEventLine,
  DoneEventLine,
  EpochEventLine,
  ProbeEventLine,
  RunEventLine,
} from './events';
export {
  checkpointEventSchema,
  doneEventSchema,
  epochEventSchema,
  parseRunEvent,
  probeEventSchema,
  runEventSchema,
} from './events';
export { particle } from './korean';
export type {
  ClaimPair,
  ComparedNetwork,
  LessonClaim,
  LessonControl,
  RunRecord,
  Spread,
} from './mechanisms';
export {
  claimControl,
  claimNetworks,
  finalAccuracy,
  gradientRatio,
  gradientSeries,
  initialSpread,
  LESSON_CLAIMS,
  LESSON_CONTROLS,
  layerGains,
  overfitSeries,
  preActivationSeries,
  spread,
  trainingSpeed,
  unitHealth,
} from './mechanisms';
export type { LessonPreset } from './presets';
export { LESSON_PRESET_NAMES, LESSON_PRESET_TITLES, LESSON_PRESETS } from './presets';
export { probabilities } from './probabilities';
export type { LessonLanguage, Reading, ReadingSettings } from './readings';
export { LESSON_LANGUAGES, lessonReadings } from './readings';
export { LESSON_RECIPE } from './recipe';
export type { LessonEpoch } from './results';
export { formatPercent, LESSON_RESULTS } from './results';
export type { NetworkSpec, RunSpec, RunSpecInput, RunSpecIssue } from './run-spec';
export {
  BACKEND_CHOICES,
  BLAS_CHOICES,
  DATASET_CHOICES,
  FUSED_CHOICES,
  modelFromSpec,
  networkName,
  OPTIMIZER_CHOICES,
  parseRunSpec,
  runName,
  runSpecSchema,
} from './run-spec';
export type { SweepField, SweepRun, SweepSpec, SweepSpecInput, SweepValue } from './sweep-spec';
export {
  expandSweep,
  parseAxis,
  runSpecId,
  SWEEP_FIELDS,
  SWEEP_LIMITS,
  SweepSpecError,
  sweepSpecSchema,
} from './sweep-spec';
export type { SweepPointSummary, SweepResultLine } from './sweep-summary';
export {
  isLessonPoint,
  summarizeSweep,
  sweepAccuracyText,
  sweepPointText,
  sweepReadings,
} from './sweep-summary';
