// The rate of the lesson step's biggest product (32×784 by 784×512) on each engine, for
// bench:compare's "physical floor" table: through tfjs, this package's wasm SIMD kernel, OpenBLAS
// called directly, and PyTorch.
import { execFileSync } from 'node:child_process';
import { initBackend } from '@mnist-lab/backends';
import { backendMemory, loadOpenBlas, simdGemm } from '@mnist-lab/backends/internal';
import * as tf from '@tensorflow/tfjs-core';
import { PYTHON } from './shared.mjs';

/**
 * GFLOP/s of the biggest product of a step (32×784 by 784×512) through tfjs on a backend (kernel
 * dispatch included; one read at the end, as a training step reads nothing in between).
 */
export async function tfjsProductRate({ backend, blas }) {
  await initBackend({ prefer: backend, blas });
  const a = tf.randomUniform([32, 784]);
  const b = tf.randomUniform([784, 512]);
  for (let i = 0; i < 5; i++) tf.matMul(a, b).dispose();
  const n = backend === 'cpu' ? 10 : 400;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const c = tf.matMul(a, b);
    if (i === n - 1) await c.data();
    c.dispose();
  }
  const seconds = (performance.now() - t0) / 1000 / n;
  tf.dispose([a, b]);
  return (2 * 32 * 784 * 512) / seconds / 1e9;
}

/**
 * The same product as the fused step computes it without OpenBLAS (`--blas off`, a browser):
 * `W·hᵀ` by this package's wasm SIMD kernel on tfjs-wasm's heap, `h` laid out in panels first.
 */
export async function simdRate() {
  await initBackend({ prefer: 'wasm', blas: 'off' });
  const backend = tf.backend();
  const gemm = simdGemm(backendMemory(backend));
  if (gemm === undefined) return undefined;
  const [h, w, ht, z] = [
    [32, 784],
    [512, 784],
    [784, 32],
    [32, 512],
  ].map((s) => tf.randomUniform(s));
  const at = (t) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const run = () => {
    gemm.panels(at(h), at(ht), 32, 784);
    gemm.gemmT(at(w), at(ht), at(z), 512, 32, 784, 4 * 784, 4, 32, 4 * 784, 4 * 512, 0);
  };
  for (let i = 0; i < 20; i++) run();
  const n = 400;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run();
  const seconds = (performance.now() - t0) / 1000 / n;
  tf.dispose([h, w, ht, z]);
  return (2 * 32 * 784 * 512) / seconds / 1e9;
}

/** The same product by OpenBLAS called directly (`cblas_sgemm` through koffi, no tfjs) on `threads`: the library's rate here. */
export async function openBlasRate(threads) {
  try {
    const blas = await loadOpenBlas();
    blas.setThreads(threads);
    const a = Float32Array.from({ length: 32 * 784 }, Math.random);
    const b = Float32Array.from({ length: 784 * 512 }, Math.random);
    const c = new Float32Array(32 * 512);
    const run = () => blas.sgemm(false, false, 32, 512, 784, a, 784, b, 512, c, 512);
    for (let i = 0; i < 20; i++) run();
    const n = 1000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run();
    const rate = (2 * 32 * 784 * 512) / ((performance.now() - t0) / 1000 / n) / 1e9;
    blas.setThreads(1);
    return rate;
  } catch {
    return undefined;
  }
}

/**
 * PyTorch's rate on the same product, 1 thread (`OPENBLAS_NUM_THREADS=1` as well: `torch.set_num_threads`
 * alone leaves Debian's OpenBLAS on every core), or with OpenBLAS's default threads.
 */
export function torchProductRate(openBlasThreads) {
  const code =
    'import torch,time\ntorch.set_num_threads(1)\na=torch.rand(32,784);b=torch.rand(784,512)\nfor _ in range(20): a@b\nt=time.perf_counter()\nfor _ in range(2000): a@b\nprint((2*32*784*512)/((time.perf_counter()-t)/2000)/1e9)';
  const env = { ...process.env };
  if (openBlasThreads === undefined) delete env.OPENBLAS_NUM_THREADS;
  else env.OPENBLAS_NUM_THREADS = String(openBlasThreads);
  return Number(execFileSync(PYTHON, ['-c', code], { encoding: 'utf8', env }).trim());
}
