import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, BackendProbe, BackendReport, NodeBackendName } from './backend-report';
import { BackendUnavailableError } from './errors';
import { registerGradients } from './register-gradients-node';
import { installSpeedFixes, removeSpeedFixes } from './speed-fixes';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * `auto` (the default) tries, in order: `tensorflow` on a CUDA GPU (tfjs-node-gpu), `webgpu` on
   * a hardware adapter, `tensorflow` on the CPU (tfjs-node), `wasm`, `cpu`. A name starts exactly
   * that backend or throws {@link BackendUnavailableError} saying why.
   */
  readonly prefer?: 'auto' | NodeBackendName;
  /**
   * Install the measured speed fixes for the chosen backend (today: wasm's transposed matrix
   * products). Defaults to true; `false` restores tfjs's own kernels, for comparisons.
   */
  readonly speedFixes?: boolean;
}

/** The order `auto` tries in Node. */
export const NODE_AUTO_ORDER: readonly NodeBackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

const cpuModel = () => cpus()[0]?.model.trim() ?? 'unknown CPU';

interface Started {
  readonly report: BackendReport;
}

async function startCpu(): Promise<Started> {
  await import('@tensorflow/tfjs-backend-cpu');
  await setBackendOrThrow('cpu', '@tensorflow/tfjs-backend-cpu');
  // The cpu backend's first write prints an advert for tfjs-node; `mnist-lab backends` already
  // says what is installed, so mark the backend as used instead of printing it on every run.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return { report: cpuReport('cpu', '@tensorflow/tfjs-backend-cpu', 1) };
}

async function startWasm(): Promise<Started> {
  await import('@tensorflow/tfjs-backend-wasm');
  await setBackendOrThrow('wasm', '@tensorflow/tfjs-backend-wasm');
  // tfjs-backend-wasm disables its threaded build in Node (its worker is a blob: URL).
  return { report: cpuReport('wasm', '@tensorflow/tfjs-backend-wasm', 1) };
}

async function setBackendOrThrow(name: BackendName, packageName: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) {
    throw new BackendUnavailableError(
      name,
      `backend '${name}' is installed (${packageName}) but failed to initialize; see the warning above`,
    );
  }
  await tf.ready();
}

function cpuReport(backend: BackendName, packageName: string, threads: number): BackendReport {
  return {
    backend,
    device: cpuModel(),
    deviceKind: 'cpu',
    threads,
    packageName,
    tfjsVersion: tf.version_core,
  };
}

function unavailable(name: NodeBackendName): never {
  const why: Record<Exclude<NodeBackendName, 'wasm' | 'cpu'>, string> = {
    tensorflow:
      "backend 'tensorflow' needs @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1), which are not installed; install one with `npm install @tensorflow/tfjs-node` on a machine that can download libtensorflow",
    webgpu:
      "backend 'webgpu' is not supported by this version of @mnist-lab/backends in Node yet; use --backend wasm",
  };
  throw new BackendUnavailableError(name, why[name as keyof typeof why]);
}

const starters: Record<NodeBackendName, () => Promise<Started>> = {
  tensorflow: async () => unavailable('tensorflow'),
  webgpu: async () => unavailable('webgpu'),
  wasm: startWasm,
  cpu: startCpu,
};

/**
 * Starts the best (or the named) tfjs backend in Node, registers gradients, and reports what runs.
 *
 * @example
 * const report = await initBackend(); // { backend: 'wasm', device: 'AMD EPYC ...', ... }
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const report = await startPreferred(options.prefer ?? 'auto');
  if (options.speedFixes ?? true) installSpeedFixes(report.backend);
  else removeSpeedFixes();
  return report;
}

async function startPreferred(prefer: 'auto' | NodeBackendName): Promise<BackendReport> {
  await registerGradients();
  if (prefer !== 'auto') {
    if (!(prefer in starters)) {
      throw new BackendUnavailableError(
        prefer,
        `unknown backend '${prefer}'; expected one of auto, ${NODE_AUTO_ORDER.join(', ')}`,
      );
    }
    return (await starters[prefer]()).report;
  }
  for (const name of NODE_AUTO_ORDER) {
    try {
      return (await starters[name]()).report;
    } catch (error) {
      if (!BackendUnavailableError.isInstance(error)) throw error;
    }
  }
  throw new BackendUnavailableError('auto', 'no tfjs backend could start');
}

/** Probes every Node backend without keeping any of them active, for `mnist-lab backends`. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const previous = tf.getBackend();
  const probes: BackendProbe[] = [];
  for (const name of NODE_AUTO_ORDER) {
    try {
      await starters[name]();
      probes.push({ backend: name, available: true });
    } catch (error) {
      if (!BackendUnavailableError.isInstance(error)) throw error;
      probes.push({ backend: name, available: false, reason: error.message });
    }
  }
  if (previous) await tf.setBackend(previous);
  return probes;
}
