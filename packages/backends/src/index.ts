export type {
  BackendName,
  BackendProbe,
  BackendReport,
  BrowserBackendName,
  NodeBackendName,
} from './backend-report';
export { BackendUnavailableError } from './errors';
export type { InitBackendOptions } from './node';
export { initBackend, NODE_AUTO_ORDER, probeBackends } from './node';
export { registerGradients } from './register-gradients-node';
export { installedSpeedFixes, installSpeedFixes, removeSpeedFixes } from './speed-fixes';
