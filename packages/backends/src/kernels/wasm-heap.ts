import type * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's backend that kernels need to work on its heap in place. */
export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
  /** Frees a buffer a kernel allocated for itself with `makeOutput`. */
  disposeData(dataId: object): unknown;
}

/** The number of elements of a tensor. */
const sizeOf = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/** Where a tensor's buffer starts on the wasm heap, in bytes. */
export const heapOffset = (backend: WasmHeapBackend, t: tf.TensorInfo): number =>
  backend.dataIdMap.get(t.dataId).memoryOffset;

/** A float64 view of `n` doubles at byte `offset` (a multiple of 8) of the heap, made now (as {@link f32}). */
export const f64At = (backend: WasmHeapBackend, offset: number, n: number): Float64Array =>
  new Float64Array(backend.wasm.HEAPU8.buffer, offset, n);

/** A float32 view of a tensor's whole buffer on the heap, made now: allocating can replace the heap's buffer. */
export function f32(backend: WasmHeapBackend, t: tf.TensorInfo): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, t), sizeOf(t));
}

/** An int32 view of a tensor's whole buffer on the heap, made now (as {@link f32}). */
export function i32(backend: WasmHeapBackend, t: tf.TensorInfo): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, t), sizeOf(t));
}

/**
 * `view(t, offset, length)`: a Float32Array over `length` floats of tensor `t`'s buffer on the wasm
 * heap, starting `offset` floats in. Make it after the kernel's last `makeOutput`: allocating can
 * grow (and so replace) the wasm memory, which detaches earlier views.
 */
export function heapViews(
  backend: WasmHeapBackend,
): (t: tf.TensorInfo, offset: number, length: number) => Float32Array {
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  return (t, offset, length) => {
    const start = (heapOffset(backend, t) >>> 2) + offset;
    return heap.subarray(start, start + length);
  };
}

/** The memory of a tfjs-backend-wasm backend: its module's exports, or `wasmMemory` in threaded builds. */
export function backendMemory(backend: unknown): WebAssembly.Memory | undefined {
  const wasm = (
    backend as { wasm?: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory } }
  ).wasm;
  return wasm?.asm?.memory ?? wasm?.wasmMemory;
}
