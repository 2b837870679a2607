import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { backendMemory, heapOffset, type WasmHeapBackend } from '../kernels/wasm-heap';
import { type SimdGemm, simdGemm } from './gemm';

/**
 * What the wasm SIMD kernels' tests work on: tfjs-wasm set up, its backend, this package's products
 * on its memory, and where a tensor lies on its heap. Awaited at the top of a test file.
 */
export async function wasmHeap(): Promise<{
  backend: WasmHeapBackend;
  gemm: SimdGemm;
  at: (t: tf.Tensor) => number;
}> {
  await tf.setBackend('wasm');
  await tf.ready();
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const gemm = simdGemm(backendMemory(backend));
  if (gemm === undefined) throw new Error('wasm SIMD products did not assemble on this engine');
  return { backend, gemm, at: (t) => heapOffset(backend, t) };
}

/** A tensor's floats as their bits. */
export const bits = (t: tf.Tensor) =>
  new Uint32Array((t.dataSync() as Float32Array).slice().buffer);

/** How many floats of `x` and `y` differ in their bits (a count: a diff of large arrays is slow). */
export const differing = (x: tf.Tensor, y: tf.Tensor) => {
  const [a, b] = [bits(x), bits(y)];
  return a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);
};
