// `@mnist-lab/backends/internal`: what this package's own tests, the repository's tests and its
// benchmarks use besides the public entry. Unstable: any of it may change or go in any release.
export { coreTypeForFlags, cpuFlags } from './choose/cpu-info';
export type { Candidate } from './choose/node';
export { chooseNodeBackend, NODE_AUTO_ORDER, WASM_SIMD_PRODUCTS } from './choose/node';
export type { AdapterDescription, AdapterLike } from './choose/webgpu-adapter';
export { describeAdapter } from './choose/webgpu-adapter';
export {
  installedSpeedFixes,
  installSpeedFixes,
  removeSpeedFixes,
  type StepProducts,
  speedFixVariants,
} from './kernels/register-kernels';
export { backendMemory } from './kernels/wasm-heap';
export type { ForwardOrientation, ForwardProduct, ForwardProducts } from './openblas/forward';
export { chooseForward, forwardProducts } from './openblas/forward';
export {
  chooseKernel,
  kernelCachePath,
  kernelCandidates,
  pickKernel,
  STEP_PRODUCTS,
} from './openblas/kernel';
export type { OpenBlas, OpenBlasInfo } from './openblas/openblas';
export { loadOpenBlas } from './openblas/openblas';
export type { BlasThreadsChoice, BlasThreadsMeasurement } from './openblas/threads';
export { blasThreadsWanted, chooseBlasThreads } from './openblas/threads';
export { registerGradients } from './register-gradients-node';
export { type ProductArgs, type SimdGemm, simdGemm } from './wasm-simd/gemm';
