export type {
  BackendName,
  BackendProbe,
  BackendReport,
  BrowserBackendName,
  NodeBackendName,
} from './backend-report';
export { BackendUnavailableError } from './errors';
export type { AutoProbe, InitBackendOptions } from './node';
export { initBackend, NODE_AUTO_ORDER, NODE_BACKENDS, probeBackends } from './node';
export { registerGradients } from './register-gradients-node';
export { installedSpeedFixes, installSpeedFixes, removeSpeedFixes } from './speed-fixes';
export type { AdapterDescription } from './webgpu-adapter';
export { describeAdapter } from './webgpu-adapter';
