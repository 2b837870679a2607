import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors';
import type { BackendName, BackendReport } from './backend-report';
import { cpuName } from './cpu-info';
import { report, setBackendOrThrow } from './start-backend';
import { reasonsOf, startedOf, tryInOrder } from './try-in-order';
import { describeAdapter } from './webgpu-adapter';

/** Imports an optional package by name, or explains that it is not installed. */
async function importOptional(
  name: string,
  backend: BackendName,
  fix: string,
): Promise<Record<string, unknown>> {
  try {
    // A variable specifier keeps bundlers from resolving packages that are optional.
    const specifier = name;
    return (await import(specifier)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    const why = missing
      ? `${name} is not installed`
      : `${name} failed to load: ${(cause as Error).message}`;
    throw new BackendUnavailableError(
      backend,
      `backend '${backend}' is unavailable: ${why}; ${fix}`,
    );
  }
}

export async function startCpu(): Promise<BackendReport> {
  await import('@tensorflow/tfjs-backend-cpu');
  await setBackendOrThrow('cpu', '@tensorflow/tfjs-backend-cpu');
  // The cpu backend's first write prints an advert for tfjs-node; `mnist-lab backends` already
  // says what is installed, so mark the backend as used instead of printing it on every run.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return report('cpu', '@tensorflow/tfjs-backend-cpu', cpuName(), 'cpu', 1);
}

export async function startWasm(): Promise<BackendReport> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  await setBackendOrThrow('wasm', '@tensorflow/tfjs-backend-wasm');
  // Node runs the single-threaded build: the threaded one's worker is a blob: URL Node refuses.
  return report('wasm', '@tensorflow/tfjs-backend-wasm', cpuName(), 'cpu', wasm.getThreadsCount());
}

const TF_NODE_FIX =
  'install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1) with npm on a machine that can download libtensorflow';

/**
 * TensorFlow's C library through tfjs-node-gpu (`gpu`: only when it really runs on a CUDA GPU) or
 * tfjs-node (`cpu`, falling back to tfjs-node-gpu running on the CPU).
 */
export async function startTensorflow(variant: 'gpu' | 'cpu'): Promise<BackendReport> {
  // tfjs-node 4.22 calls util.isNullOrUndefined, which Node 23 removed.
  const util = (await import('node:util')) as unknown as { default: Record<string, unknown> };
  util.default.isNullOrUndefined ??= (v: unknown) => v === null || v === undefined;
  const candidates =
    variant === 'gpu'
      ? ['@tensorflow/tfjs-node-gpu']
      : ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
  const outcomes = await tryInOrder(
    candidates,
    async (name) => {
      await importOptional(name, 'tensorflow', TF_NODE_FIX);
      await setBackendOrThrow('tensorflow', name);
      const onGpu =
        (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      if (variant === 'gpu' && !onGpu) {
        throw new BackendUnavailableError(
          'tensorflow',
          `backend 'tensorflow' (${name}) sees no CUDA GPU: tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1, and runs on the CPU otherwise`,
        );
      }
      return report(
        'tensorflow',
        name,
        onGpu ? 'CUDA GPU (TensorFlow)' : cpuName(),
        onGpu ? 'hardware' : 'cpu',
        cpus().length,
      );
    },
    { untilOne: true },
  );
  const first = startedOf(outcomes)[0];
  if (first !== undefined) return first.started;
  const reasons = reasonsOf(outcomes);
  if (reasons.length === 1) throw new BackendUnavailableError('tensorflow', reasons[0] as string);
  throw new BackendUnavailableError(
    'tensorflow',
    `backend 'tensorflow' is unavailable: ${candidates.join(' and ')} are not installed or failed to load; ${TF_NODE_FIX}`,
  );
}

/** WebGPU in Node is two optional peers of this package: tfjs's backend and Dawn (132 MB). */
const WEBGPU_FIX =
  'WebGPU in Node needs two optional packages: npm install @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu@0.6.2 (Dawn, 132 MB)';

const SWIFTSHADER_HINT =
  "with no GPU, install Debian's chromium and libvulkan1 and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for a software adapter";

/** Installs the Dawn-backed `navigator.gpu` from the `webgpu` package, once. */
async function nodeGpu(): Promise<GPU> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing !== undefined) return existing;
  const dawn = (await importOptional('webgpu', 'webgpu', WEBGPU_FIX)) as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined)
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  return gpu;
}

/**
 * On Linux, Dawn can only find a GPU through a DRM render node or NVIDIA's device files, or a driver
 * named by VK_ICD_FILENAMES; without any of them it would only print Vulkan errors, so say so.
 */
function linuxWithoutGpuDevice(): boolean {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES) return false;
  const has = (dir: string, prefix: string) => {
    try {
      return readdirSync(dir).some((f) => f.startsWith(prefix));
    } catch {
      return false;
    }
  };
  return !has('/dev/dri', 'renderD') && !has('/dev', 'nvidia');
}

/**
 * WebGPU through Dawn (the `webgpu` package). `requireHardware` (what `auto` asks) refuses a
 * software adapter such as SwiftShader; naming `webgpu` explicitly accepts it and says so.
 */
export async function startWebgpu(requireHardware: boolean): Promise<BackendReport> {
  // The packages first, so that a machine without them learns what to install (loaded later:
  // tfjs's webgpu backend registers itself only where navigator.gpu already exists).
  for (const name of ['@tensorflow/tfjs-backend-webgpu', 'webgpu']) {
    try {
      createRequire(import.meta.url).resolve(name);
    } catch {
      throw new BackendUnavailableError(
        'webgpu',
        `backend 'webgpu' is unavailable: ${name} is not installed; ${WEBGPU_FIX}`,
      );
    }
  }
  if (linuxWithoutGpuDevice()) {
    throw new BackendUnavailableError(
      'webgpu',
      `backend 'webgpu' is unavailable: this machine has no GPU device (/dev/dri/renderD*, /dev/nvidia*); ${SWIFTSHADER_HINT}`,
    );
  }
  const gpu = await nodeGpu();
  const adapter = await gpu.requestAdapter();
  if (adapter === null) {
    throw new BackendUnavailableError(
      'webgpu',
      `backend 'webgpu' is unavailable: Dawn found no WebGPU adapter; ${SWIFTSHADER_HINT}`,
    );
  }
  const described = describeAdapter(adapter);
  if (requireHardware && described.deviceKind === 'software') {
    throw new BackendUnavailableError(
      'webgpu',
      `backend 'webgpu' has only a software adapter (${described.device}); name it explicitly to use it anyway`,
    );
  }
  await importOptional('@tensorflow/tfjs-backend-webgpu', 'webgpu', WEBGPU_FIX);
  await setBackendOrThrow('webgpu', '@tensorflow/tfjs-backend-webgpu');
  return report(
    'webgpu',
    '@tensorflow/tfjs-backend-webgpu + webgpu (Dawn)',
    described.device,
    described.deviceKind,
    1,
  );
}
