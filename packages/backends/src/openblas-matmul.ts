import * as tf from '@tensorflow/tfjs-core';
import type { OpenBlas } from './openblas';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;

/** The parts of tfjs-backend-wasm's backend a kernel needs to work on its heap in place. */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): Info;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * tfjs-backend-wasm's `BatchMatMul` computed by OpenBLAS's `cblas_sgemm` directly on the wasm
 * heap (koffi passes a Float32Array view of the heap as a pointer: no copies). Transposed operands
 * cost nothing extra, so backpropagation's `dyᵀ·x` and `dy·W` run at the same speed as the forward
 * product. Cases it does not cover (non-float32, batch dimensions that broadcast both ways) go to `fallback`, tfjs's own kernel, which also raises tfjs's shape errors.
 */
export function openBlasMatMul(blas: OpenBlas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return fallback(args);
    const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
    const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
    const kb = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
    const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
    if (k !== kb) return fallback(args);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
    const batch = size(outer);
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    // A side whose batch size equals the output's has exactly the output's batch layout.
    if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) {
      return fallback(args);
    }
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput([...outer, m, n], 'float32');
    if (m * n === 0) return out;
    // Take the heap after makeOutput: allocating can grow (and so replace) the wasm memory.
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
    const at = (x: Info) => backend.dataIdMap.get(x.dataId).memoryOffset >>> 2;
    if (k === 0) {
      // An empty sum is 0 (tfjs-wasm 4.22's XNNPACK kernel fails here and leaves the output unset).
      heap.fill(0, at(out), at(out) + batch * m * n);
      return out;
    }
    const aAt = at(a);
    const bAt = at(b);
    const cAt = at(out);
    const lda = transposeA ? m : k;
    const ldb = transposeB ? k : n;
    for (let i = 0; i < batch; i++) {
      const ai = aAt + (batchA === 1 ? 0 : i * m * k);
      const bi = bAt + (batchB === 1 ? 0 : i * k * n);
      const ci = cAt + i * m * n;
      blas.sgemm(
        transposeA,
        transposeB,
        m,
        n,
        k,
        heap.subarray(ai, ai + m * k),
        lda,
        heap.subarray(bi, bi + k * n),
        ldb,
        heap.subarray(ci, ci + m * n),
        n,
      );
    }
    return out;
  };
}
