import type * as tf from '@tensorflow/tfjs-core';
import type { OpenBlas } from './openblas';
import { forwardProducts } from './openblas-forward';
import { f32, type WasmHeapBackend } from './wasm-heap';
import { backendMemory, momentumUpdate, simdFor } from './wasm-simd-update';

type Info = tf.TensorInfo;

/** The backend the whole-step kernel works on: tfjs-backend-wasm's, through its heap. */
export type StepBackend = WasmHeapBackend;

/**
 * How the whole-step kernel computes a dense layer's products and its weight update, on tensors on
 * the wasm heap. The results of `forward` and `inputGrad` are new heap tensors the caller frees.
 */
export interface StepProducts {
  /**
   * Whether each step's weights must be new buffers rather than updated in place: tfjs-wasm keeps
   * XNNPACK's packed copy of a product's second operand per tensor, until that tensor is freed.
   */
  readonly freshWeights: boolean;
  /** `h·Wᵀ`: `[rows, out]` from `h` `[rows, in]` and `W` `[out, in]`. */
  forward(backend: StepBackend, h: Info, w: Info): Info;
  /** `dz·W`: `[rows, in]` from `dz` `[rows, out]`. */
  inputGrad(backend: StepBackend, dz: Info, w: Info): Info;
  /** PyTorch's momentum update from the weight gradient `dzᵀ·h`, in place: `v ← g + μ·v; W ← W + c·v`. */
  updateWeight(
    backend: StepBackend,
    layer: { dz: Info; h: Info; w: Info; v: Info },
    m: number,
    c: number,
  ): void;
}

const rowsOf = (t: Info) => t.shape[0] as number;
const colsOf = (t: Info) => t.shape.slice(1).reduce((a, b) => a * b, 1);

/**
 * Products by `cblas_sgemm` on the heap (the forward ones transposed where that is faster and gives
 * the same bits: `openblas-forward.ts`); the weight gradient goes straight into the velocity with
 * sgemm's `beta` (`v ← dzᵀ·h + μ·v`), then `cblas_saxpy` moves the weight.
 */
export function openBlasProducts(blas: OpenBlas): StepProducts {
  // Each shape computed directly or transposed, whichever is faster where both give the same bits.
  const forward = forwardProducts(blas);
  return {
    freshWeights: false,
    forward(backend, h, w) {
      const [rows, k, n] = [rowsOf(h), colsOf(h), rowsOf(w)];
      const out = backend.makeOutput([rows, n], 'float32');
      forward(rows, n, k, f32(backend, h), f32(backend, w), f32(backend, out));
      return out;
    },
    inputGrad(backend, dz, w) {
      const [rows, n, k] = [rowsOf(dz), colsOf(w), rowsOf(w)];
      const out = backend.makeOutput([rows, n], 'float32');
      blas.sgemm(
        false,
        false,
        rows,
        n,
        k,
        f32(backend, dz),
        k,
        f32(backend, w),
        n,
        f32(backend, out),
        n,
      );
      return out;
    },
    updateWeight(backend, { dz, h, w, v }, m, c) {
      const [nOut, nIn, rows] = [rowsOf(w), colsOf(w), rowsOf(h)];
      const velocity = f32(backend, v);
      blas.sgemm(
        true,
        false,
        nOut,
        nIn,
        rows,
        f32(backend, dz),
        nOut,
        f32(backend, h),
        nIn,
        velocity,
        nIn,
        m,
      );
      blas.saxpy(c, velocity, f32(backend, w));
    },
  };
}

/**
 * Products by the backend's own `BatchMatMul` kernel (XNNPACK, with the explicit transposes of the
 * speed fixes): what runs in a browser. Weights go to new buffers each step (`freshWeights`). The
 * weight gradient is a temporary tensor; the momentum
 * update is one pass over it, the velocity and the weight, in wasm SIMD on the backend's memory
 * (`wasm-simd-update.ts`; ten times faster than a JavaScript loop here).
 */
export function xnnpackProducts(batchMatMul: () => tf.KernelFunc): StepProducts {
  const product = (
    backend: StepBackend,
    a: Info,
    b: Info,
    transposeA: boolean,
    transposeB: boolean,
  ) =>
    batchMatMul()({
      inputs: { a, b },
      backend: backend as unknown as tf.KernelBackend,
      attrs: { transposeA, transposeB },
    }) as Info;
  const simd = simdFor();
  return {
    freshWeights: true,
    forward: (backend, h, w) => product(backend, h, w, false, true),
    // A weight is never changed in place here (freshWeights), so a packed copy tfjs-wasm keeps
    // for it stays right.
    inputGrad: (backend, dz, w) => product(backend, dz, w, false, false),
    updateWeight(backend, { dz, h, w, v }, m, c) {
      const g = product(backend, dz, h, true, false);
      momentumUpdate(backend, simd(backendMemory(backend)), { g, v, w }, m, c);
      backend.disposeData(g.dataId);
    },
  };
}
