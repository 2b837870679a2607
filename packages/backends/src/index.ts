export type {
  BackendName,
  BackendProbe,
  BackendReport,
  BrowserBackendName,
  NodeBackendName,
} from './backend-report';
export { coreTypeForFlags, cpuFlags, cpuName } from './cpu-info';
export type { Environment } from './environment';
export { BackendUnavailableError, OpenBlasUnavailable } from './errors';
export { describeMeasurements } from './measure';
export { MLP_SGD_STEP_KERNEL } from './mlp-step-kernel';
export type {
  AutoProbe,
  BlasMode,
  Candidate,
  InitBackendOptions,
  InitBackendReport,
  NodeMeasurement,
} from './node';
export {
  BLAS_MODES,
  chooseNodeBackend,
  initBackend,
  NODE_AUTO_ORDER,
  NODE_BACKENDS,
  probeBackends,
  WASM_SIMD_PRODUCTS,
} from './node';
export type { OpenBlas, OpenBlasInfo } from './openblas';
export { loadOpenBlas, timeOpenBlasKernels } from './openblas';
export type { ForwardOrientation, ForwardProduct, ForwardProducts } from './openblas-forward';
export { chooseForward, forwardProducts } from './openblas-forward';
export type { KernelChoice, KernelMeasurement, KernelName } from './openblas-kernel';
export {
  chooseKernel,
  kernelCachePath,
  kernelCandidates,
  pickKernel,
  STEP_PRODUCTS,
} from './openblas-kernel';
export type {
  BlasThreads,
  BlasThreadsChoice,
  BlasThreadsMeasurement,
} from './openblas-threads';
export { BLAS_THREADS_ENV, blasThreadsWanted, chooseBlasThreads } from './openblas-threads';
export { registerGradients } from './register-gradients-node';
export { SGD_MOMENTUM_KERNEL } from './sgd-momentum-kernel';
export {
  installedSpeedFixes,
  installSpeedFixes,
  removeSpeedFixes,
  type StepProducts,
  speedFixVariants,
} from './speed-fixes';
export { type ProductArgs, type SimdGemm, simdGemm } from './wasm-simd-gemm';
export { backendMemory } from './wasm-simd-update';
export type { AdapterDescription, AdapterLike } from './webgpu-adapter';
export { describeAdapter } from './webgpu-adapter';
