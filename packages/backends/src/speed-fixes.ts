import * as tf from '@tensorflow/tfjs-core';
import { fastTransposedMatMul } from './wasm-transposed-matmul';

const replaced = new Map<string, tf.KernelConfig>();

function swapKernel(
  kernelName: string,
  backendName: string,
  wrap: (original: tf.KernelConfig) => tf.KernelConfig,
): void {
  const key = `${backendName}_${kernelName}`;
  if (replaced.has(key)) return;
  const original = tf.getKernel(kernelName, backendName);
  if (original === undefined) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(wrap(original));
  replaced.set(key, original);
}

/**
 * Installs the measured speed fixes for a backend (see BENCHMARKS.md). Idempotent. Each fix has a
 * parity test against the unpatched kernel.
 */
export function installSpeedFixes(backendName: string): void {
  if (backendName !== 'wasm') return;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose === undefined) return;
  swapKernel('BatchMatMul', 'wasm', (original) => ({
    ...original,
    kernelFunc: fastTransposedMatMul(original.kernelFunc, transpose.kernelFunc),
  }));
}

/** Restores the kernels {@link installSpeedFixes} replaced: for benchmarks and parity tests. */
export function removeSpeedFixes(): void {
  for (const original of replaced.values()) {
    tf.unregisterKernel(original.kernelName, original.backendName);
    tf.registerKernel(original);
  }
  replaced.clear();
}

/** The speed fixes installed now, as `backend_Kernel` names. */
export function installedSpeedFixes(): string[] {
  return [...replaced.keys()];
}
