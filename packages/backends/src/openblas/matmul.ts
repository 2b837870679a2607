import * as tf from '@tensorflow/tfjs-core';
import { heapViews, type WasmHeapBackend } from '../kernels/wasm-heap';
import type { OpenBlas } from './openblas';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;
const size = tf.util.sizeFromShape;

/**
 * tfjs-backend-wasm's `BatchMatMul` computed by OpenBLAS's `cblas_sgemm` directly on the wasm
 * heap (koffi passes a Float32Array view of the heap as a pointer: no copies). Transposed operands
 * cost nothing extra, so backpropagation's `dyᵀ·x` and `dy·W` run at the same speed as the forward
 * product. Cases it does not cover (non-float32, batch dimensions that broadcast both ways) go
 * to `fallback`, tfjs's own kernel, which also raises tfjs's shape errors.
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
    const view = heapViews(backend);
    if (k === 0) {
      // An empty sum is 0 (tfjs-wasm 4.22's XNNPACK kernel fails here and leaves the output unset).
      view(out, 0, batch * m * n).fill(0);
      return out;
    }
    for (let i = 0; i < batch; i++) {
      blas.sgemm(
        transposeA,
        transposeB,
        m,
        n,
        k,
        view(a, batchA === 1 ? 0 : i * m * k, m * k),
        transposeA ? m : k,
        view(b, batchB === 1 ? 0 : i * k * n, k * n),
        transposeB ? k : n,
        view(out, i * m * n, m * n),
        n,
      );
    }
    return out;
  };
}
