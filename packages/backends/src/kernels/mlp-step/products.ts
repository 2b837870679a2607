import type * as tf from '@tensorflow/tfjs-core';
import { forwardProducts } from '../../openblas/forward';
import type { OpenBlas } from '../../openblas/openblas';
import type { SimdGemm } from '../../wasm-simd/gemm';
import { panelListBytes } from '../../wasm-simd/sparse-forward';
import { momentumUpdate, simdFor } from '../momentum-update';
import { backendMemory, f32, heapOffset, type WasmHeapBackend } from '../wasm-heap';

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
 * the same bits: `openblas/forward.ts`); the weight gradient goes straight into the velocity with
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
 * (`kernels/momentum-update.ts`; ten times faster than a JavaScript loop here).
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

/** How many of a gradient's values are looked at to tell whether it is mostly zeros. */
const SAMPLE = 1024;
/**
 * From this share of zeros the sparse products are used: at 3/4 zeros (ReLU and dropout 0.5) they
 * take half the time or less, at 1/2 (dropout alone) about as long as the dense ones (BENCHMARKS.md).
 */
const SPARSE_FROM = 0.6;

/**
 * Whether `dz`'s product with `b` should skip `dz`'s zeros: most of a sample of `dz` is ±0 (a
 * hidden layer's gradient after ReLU and dropout), and `b` is finite, where skipping gives the
 * dense sums' bits.
 */
function sparseWorthIt(backend: StepBackend, g: SimdGemm, dz: Info, b: Info): boolean {
  const values = f32(backend, dz);
  const n = Math.min(values.length, SAMPLE);
  let zeros = 0;
  for (let i = 0; i < n; i++) if (values[i] === 0) zeros++;
  return zeros >= SPARSE_FROM * n && g.finite(heapOffset(backend, b), f32(backend, b).length) === 1;
}

/** Room on the heap for a sparse product's list of `k` terms, while `use` runs. */
function withList(backend: StepBackend, k: number, use: (list: number) => void): void {
  const list = backend.makeOutput([2 * k], 'float32'); // 8 bytes a term
  use(heapOffset(backend, list));
  backend.disposeData(list.dataId);
}

/** Up to this share of a forward product's panel rows listed, the listed product is used. */
const LISTED_UP_TO = 0.8;

/**
 * Runs `product` over the lists of `hᵀ`'s non-zero panel rows (`wasm-simd/sparse-forward.ts`) and
 * returns true where that is worth it (at most {@link LISTED_UP_TO} of them listed: an MNIST input
 * layer ~1/2, a hidden layer after ReLU and dropout ~9/10) and `W` is finite; else false, nothing run.
 */
function listedForward(
  backend: StepBackend,
  g: SimdGemm,
  { ht, rows, k, w }: { ht: number; rows: number; k: number; w: Info },
  [ldb, sj, sk]: readonly [number, number, number],
  product: (list: number) => void,
): boolean {
  const list = backend.makeOutput([panelListBytes(rows, k) / 4], 'float32');
  const at = heapOffset(backend, list);
  const listed = g.panelLists(ht, rows, k, ldb, sj, sk, at);
  const use =
    listed <= LISTED_UP_TO * (rows / 8) * k &&
    g.finite(heapOffset(backend, w), f32(backend, w).length) === 1;
  if (use) product(at);
  backend.disposeData(list.dataId);
  return use;
}

/**
 * Products by this package's wasm SIMD kernels on the heap (`wasm-simd/gemm.ts`): no operand is
 * packed or copied but the forward product's input, transposed (into panels of 8 where the batch
 * allows); the weight gradient's sums go straight into the momentum update, with no gradient
 * buffer. Each element is summed as XNNPACK sums it, so the results are `xnnpackProducts`'s bit
 * for bit, without XNNPACK's packing of each new operand (~0.7 ms of a 4 ms step on an AMD EPYC),
 * and without the terms that are `fl(x·±0)` where that is exact and saves time: a gradient's zeros
 * (`sparseWorthIt`), an input's zero pixels (`listedForward`). Weights still go to new
 * buffers each step (`freshWeights`), since tfjs-wasm's own products keep XNNPACK's packed copy of
 * an operand per tensor.
 */
export function simdProducts(
  gemmFor: (memory: WebAssembly.Memory | undefined) => SimdGemm | undefined,
): StepProducts {
  const gemm = (backend: StepBackend) => gemmFor(backendMemory(backend)) as SimdGemm;
  const at = (backend: StepBackend, t: Info) => heapOffset(backend, t);
  return {
    freshWeights: true,
    forward(backend, h, w) {
      const [rows, k, n] = [rowsOf(h), colsOf(h), rowsOf(w)];
      const g = gemm(backend);
      // hᵀ as the second operand: in panels of 8 columns (each read contiguously), else row-major.
      const panels = rows % 8 === 0;
      const ht = backend.makeOutput([k, rows], 'float32');
      const out = backend.makeOutput([rows, n], 'float32');
      if (panels) g.panels(at(backend, h), at(backend, ht), rows, k);
      else g.transpose(at(backend, h), at(backend, ht), rows, k);
      const [ldb, sj] = panels ? [32, 4 * k] : [4 * rows, 4];
      // zᵀ = W·hᵀ, stored transposed: z.
      const args = [n, rows, k, 4 * k, 4, ldb, sj, 4 * n, 0] as const;
      const [wAt, htAt, outAt] = [at(backend, w), at(backend, ht), at(backend, out)];
      // Over only the input's non-zero panel rows where that is worth it (an MNIST input layer).
      const listed =
        panels &&
        listedForward(backend, g, { ht: htAt, rows, k, w }, [ldb, sj, 4], (list) =>
          g.gemmTListed(wAt, htAt, outAt, ...args, list),
        );
      if (!listed) g.gemmT(wAt, htAt, outAt, ...args);
      backend.disposeData(ht.dataId);
      return out;
    },
    inputGrad(backend, dz, w) {
      const [rows, nOut, nIn] = [rowsOf(dz), rowsOf(w), colsOf(w)];
      const g = gemm(backend);
      const out = backend.makeOutput([rows, nIn], 'float32');
      const args = [rows, nIn, nOut, 4 * nOut, 4, 4 * nIn, 4, 4 * nIn, 1] as const;
      const [a, b, o] = [at(backend, dz), at(backend, w), at(backend, out)];
      if (sparseWorthIt(backend, g, dz, w))
        withList(backend, nOut, (list) => g.gemmSparse(a, b, o, ...args, list));
      else g.gemm(a, b, o, ...args);
      return out;
    },
    updateWeight(backend, { dz, h, w, v }, m, c) {
      const [nOut, nIn, rows] = [rowsOf(w), colsOf(w), rowsOf(h)];
      const g = gemm(backend);
      // dzᵀ read in place: A[i][k] = dz[k][i].
      const args = [nOut, nIn, rows, 4, 4 * nOut, 4 * nIn, 4, 4 * nIn, 0] as const;
      const [a, b, vAt, wAt] = [at(backend, dz), at(backend, h), at(backend, v), at(backend, w)];
      if (sparseWorthIt(backend, g, dz, h))
        withList(backend, rows, (list) => g.gemmUpdateSparse(a, b, vAt, ...args, wAt, m, c, list));
      else g.gemmUpdate(a, b, vAt, ...args, wAt, m, c);
    },
  };
}
