import type * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's backend that kernels need to work on its heap in place. */
export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
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
    const start = (backend.dataIdMap.get(t.dataId).memoryOffset >>> 2) + offset;
    return heap.subarray(start, start + length);
  };
}
