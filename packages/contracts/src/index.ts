export type { BackendName, BlasMode, BrowserBackendName, NodeBackendName } from './backends';
export { BLAS_MODES, BROWSER_BACKENDS, isOneOf, NODE_BACKENDS } from './backends';
export type {
  LayerInput,
  MaskInput,
  MlpSgdStepAttrs,
  MlpSgdStepInputs,
  NormInput,
  SgdMomentumAttrs,
  SgdMomentumInputs,
} from './kernels';
export {
  LAYER_INPUTS,
  MLP_SGD_STEP_KERNEL,
  NORM_INPUTS,
  SGD_MOMENTUM_KERNEL,
  STEP_ACTIVATIONS,
  stepInput,
  stepStateInputs,
} from './kernels';
