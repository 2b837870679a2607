// The public entry on Node: start the fastest correct backend and say what was started. What tests and
// benchmarks reach for besides lives in `@mnist-lab/backends/internal`, which may change in any release.
export type {
  BackendName,
  BackendProbe,
  BackendReport,
  BrowserBackendName,
  NodeBackendName,
} from './choose/backend-report';
export { cpuName } from './choose/cpu-info';
export type { Environment } from './choose/environment';
export { describeMeasurements } from './choose/measure';
export type {
  AutoProbe,
  BlasMode,
  InitBackendOptions,
  InitBackendReport,
  NodeMeasurement,
} from './choose/node';
export { BLAS_MODES, initBackend, NODE_BACKENDS, probeBackends } from './choose/node';
export { BackendUnavailableError, OpenBlasUnavailable } from './errors';
export type { KernelChoice, KernelMeasurement, KernelName } from './openblas/kernel';
export { timeOpenBlasKernels } from './openblas/openblas';
export type { BlasThreads } from './openblas/threads';
export { BLAS_THREADS_ENV } from './openblas/threads';
