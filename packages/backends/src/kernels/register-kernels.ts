import { MLP_SGD_STEP_KERNEL, SGD_MOMENTUM_KERNEL } from '@mnist-lab/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { openBlasMatMul } from '../openblas/matmul';
import type { OpenBlas } from '../openblas/openblas';
import { simdGemmFor } from '../wasm-simd/gemm';
import { wasmMlpSgdStep } from './mlp-step/kernel';
import { openBlasProducts, simdProducts, xnnpackProducts } from './mlp-step/products';
import { simdMomentum } from './momentum-update';
import { wasmSgdMomentum, wasmSgdMomentumSimd } from './sgd-momentum-kernel';
import type { WasmHeapBackend } from './wasm-heap';
import { backendMemory } from './wasm-heap';
import { fastTransposedMatMul } from './wasm-transposed-matmul';

/**
 * Each `backend_Kernel` a fix replaced or added: tfjs's original (absent for a kernel tfjs does
 * not have) and which fix computes it now.
 */
const replaced = new Map<
  string,
  { kernelName: string; backendName: string; original?: tf.KernelConfig; fix: string }
>();

function addKernel(config: tf.KernelConfig, fix: string): void {
  const { kernelName, backendName } = config;
  const key = `${backendName}_${kernelName}`;
  if (replaced.get(key)?.fix === fix) return;
  if (tf.getKernel(kernelName, backendName) !== undefined) {
    tf.unregisterKernel(kernelName, backendName);
  }
  tf.registerKernel(config);
  replaced.set(key, { kernelName, backendName, fix });
}

function swapKernel(
  kernelName: string,
  backendName: string,
  fix: string,
  wrap: (original: tf.KernelConfig) => tf.KernelConfig,
): void {
  const key = `${backendName}_${kernelName}`;
  const done = replaced.get(key);
  if (done?.fix === fix) return;
  const original = done?.original ?? tf.getKernel(kernelName, backendName);
  if (original === undefined) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(wrap(original));
  replaced.set(key, { kernelName, backendName, original, fix });
}

/** Where the fused training step's matrix products run on wasm. */
export type StepProducts = 'openblas' | 'wasm simd' | 'xnnpack';

/**
 * Installs the measured speed fixes for a backend (see BENCHMARKS.md). Idempotent. Each fix has a
 * parity test against the unpatched kernel. On wasm, matrix products go to OpenBLAS when `blas`
 * is given ({@link loadOpenBlas}), and otherwise to XNNPACK with explicit transposes. Returns where
 * the fused training step's products run, or `undefined` where no fused step was installed (not
 * wasm).
 */
export function installSpeedFixes(backendName: string, blas?: OpenBlas): StepProducts | undefined {
  if (backendName !== 'wasm') return undefined;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose === undefined) return undefined;
  // tfjs-wasm's Identity copies its input, and the engine clones every tensor it saves for the
  // backward pass through it (27 copies, 2.8 MB, per step of the lesson's network). Tensors are
  // immutable, so the clone can share the buffer, as tfjs's cpu and webgl backends do.
  swapKernel('Identity', 'wasm', 'shared buffer', (original) => ({
    ...original,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as WasmHeapBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  }));
  swapKernel('BatchMatMul', 'wasm', blas ? 'openblas' : 'transposes', (original) => {
    const xnnpack = fastTransposedMatMul(original.kernelFunc, transpose.kernelFunc);
    return { ...original, kernelFunc: blas ? openBlasMatMul(blas, xnnpack) : xnnpack };
  });
  // Without OpenBLAS, the fused update is a wasm SIMD pass on the backend's memory (a JavaScript
  // loop over the heap was slower than tfjs's four kernels: 2.9 against 1.2 ms per step).
  const simd = simdMomentum(backendMemory(tf.findBackend('wasm'))) !== undefined;
  if (blas) {
    addKernel(
      { kernelName: SGD_MOMENTUM_KERNEL, backendName: 'wasm', kernelFunc: wasmSgdMomentum(blas) },
      'openblas',
    );
  } else if (simd) {
    addKernel(
      {
        kernelName: SGD_MOMENTUM_KERNEL,
        backendName: 'wasm',
        kernelFunc: wasmSgdMomentumSimd(),
      },
      'wasm simd',
    );
  } else removeKernel('wasm', SGD_MOMENTUM_KERNEL);
  // The whole training step in one kernel, its products on OpenBLAS; without it on this package's
  // wasm SIMD products where the engine has wasm SIMD (the same bits as XNNPACK's, without its
  // packing of every operand), else on the BatchMatMul kernel installed above (looked up at each
  // call). In a threaded build too: on one core they ran a lesson step 2–2.5× as fast as XNNPACK's
  // on two threads (the web lab on 2 cores, BENCHMARKS.md); tfjs's own ops keep XNNPACK's threads.
  const gemmFor = simdGemmFor();
  const memory = backendMemory(tf.findBackend('wasm'));
  const ownProducts = !blas && gemmFor(memory) !== undefined;
  const products = blas
    ? openBlasProducts(blas)
    : ownProducts
      ? simdProducts(gemmFor)
      : xnnpackProducts(() => (tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig).kernelFunc);
  const where: StepProducts = blas ? 'openblas' : ownProducts ? 'wasm simd' : 'xnnpack';
  addKernel(
    { kernelName: MLP_SGD_STEP_KERNEL, backendName: 'wasm', kernelFunc: wasmMlpSgdStep(products) },
    where,
  );
  return where;
}

function removeKernel(backendName: string, kernelName: string): void {
  const key = `${backendName}_${kernelName}`;
  const done = replaced.get(key);
  if (done === undefined) return;
  tf.unregisterKernel(kernelName, backendName);
  if (done.original !== undefined) tf.registerKernel(done.original);
  replaced.delete(key);
}

/** Restores the kernels {@link installSpeedFixes} replaced: for benchmarks and parity tests. */
export function removeSpeedFixes(): void {
  for (const { backendName, kernelName } of [...replaced.values()]) {
    removeKernel(backendName, kernelName);
  }
}

/** The speed fixes installed now, as `backend_Kernel` names. */
export function installedSpeedFixes(): string[] {
  return [...replaced.keys()];
}

/** Which fix computes each replaced kernel now, e.g. `{ wasm_BatchMatMul: 'openblas' }`. */
export function speedFixVariants(): Record<string, string> {
  return Object.fromEntries([...replaced].map(([key, { fix }]) => [key, fix]));
}
