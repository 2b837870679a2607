export type { BatchSource, TrainBatch } from './batch-source';
export type { CheckpointData, CheckpointStore, TrainingPosition } from './checkpoint';
export {
  encodeOptimizer,
  encodeStateDict,
  loadOptimizerBytes,
  loadStateDictBytes,
} from './checkpoint';
export type { TrainerErrorCode } from './errors';
export { TrainerError } from './errors';
export type { EvaluateOptions, LossFn, PerExampleLossFn } from './evaluate';
export { EXAMPLES_PER_PASS, evaluate } from './evaluate';
export type {
  BatchEvent,
  CheckpointEvent,
  DoneEvent,
  EpochEvent,
  EpochRecord,
  ProbeEvent,
  TrainEvent,
} from './events';
export type { FitOptions, FitResult } from './fit';
export { fit } from './fit';
export type { FusedStepPlan, StepResult } from './fused-step';
export { fusedStep, planFusedStep } from './fused-step';
export type { LrScheduleConfig } from './lr-schedule';
export { learningRateAt } from './lr-schedule';
export type { ClassMetrics, EvaluationResult } from './metrics';
export { DeviceSums, perClassMetrics } from './metrics';
export type { OptimizerConfig, OptimizerConfigInput } from './optimizer';
export {
  createOptimizer,
  FusedMomentumOptimizer,
  optimizerConfigSchema,
  parseOptimizerConfig,
  setLearningRate,
} from './optimizer';
export type {
  Distribution,
  LayerProbe,
  ProbeOptions,
  ProbeRecord,
} from './probes';
export { PROBE_HISTOGRAM, probedStep, SATURATION_MARGIN } from './probes';
export type { DecodedSafetensors, StoredTensor } from './safetensors';
export {
  decodeSafetensors,
  encodeSafetensors,
  SAFETENSORS_MAX_HEADER_BYTES,
  SAFETENSORS_MAX_TENSORS,
} from './safetensors';
export { parseTrainingPosition, trainingPositionSchema } from './training-position';
export type { TrainingSpeedOptions } from './training-speed';
export { trainingSpeed } from './training-speed';
export { yieldToEventLoop } from './yield-to-event-loop';
