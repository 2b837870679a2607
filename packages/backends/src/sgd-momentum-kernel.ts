import { ArgumentError } from '@mnist-lab/errors';
import * as tf from '@tensorflow/tfjs-core';
import type { OpenBlas } from './openblas';
import { heapViews, type WasmHeapBackend } from './wasm-heap';

/**
 * The name of a fused SGD-with-momentum kernel, PyTorch's update `v' = μ·v + g; p' = p − lr·v'`,
 * in one kernel call instead of tfjs's four (two products, two sums) per parameter. Inputs
 * `{ value, accumulation, gradient }` (float32, one shape), attributes `{ lr, momentum }`, outputs
 * `[newAccumulation, newValue]`. `@mnist-lab/trainer`'s SGD uses it where the active backend has
 * it registered and tfjs's ops elsewhere; this package registers it for wasm.
 */
export const SGD_MOMENTUM_KERNEL = 'MnistLabSgdMomentum';

type Info = tf.TensorInfo;

/**
 * The fused update on the wasm heap with OpenBLAS. When nothing but the optimizer's variables holds
 * the parameter's and the velocity's buffers (the usual case: a clone shares a buffer and raises
 * its count), the update runs in place, `v ← g + μ·v` (`saxpby`) and `p ← p − lr·v` (`saxpy`),
 * and the outputs are those buffers again, as tfjs's `Identity` returns its input's; `assign` then
 * keeps them. Otherwise it writes new buffers: `copy g`, `axpy μ·v`, `copy p`, `axpy −lr·v'`.
 */
export function wasmSgdMomentum(blas: OpenBlas): tf.KernelFunc {
  return (args) => {
    const { value, accumulation, gradient } = args.inputs as Record<string, Info>;
    const { lr, momentum } = args.attrs as { lr: number; momentum: number };
    for (const [name, t] of Object.entries({ value, accumulation, gradient })) {
      if (t === undefined || t.dtype !== 'float32') {
        throw new ArgumentError(
          `${SGD_MOMENTUM_KERNEL}: ${name}`,
          `${SGD_MOMENTUM_KERNEL}: input ${name} must be a float32 tensor`,
        );
      }
      if (!tf.util.arraysEqual(t.shape, (value as Info).shape)) {
        throw new ArgumentError(
          `${SGD_MOMENTUM_KERNEL}: ${name}`,
          `${SGD_MOMENTUM_KERNEL}: input ${name} has shape [${t.shape}], expected [${(value as Info).shape}]`,
        );
      }
    }
    const p = value as Info;
    const v = accumulation as Info;
    const g = gradient as Info;
    const backend = args.backend as unknown as WasmHeapBackend;
    // tfjs holds μ and −lr as float32 scalars; so does this.
    const m = Math.fround(momentum);
    const c = Math.fround(-lr);
    const n = tf.util.sizeFromShape(p.shape);
    const inPlace =
      backend.refCount(p.dataId) === 1 &&
      backend.refCount(v.dataId) === 1 &&
      new Set([p.dataId, v.dataId, g.dataId]).size === 3;
    const newAccumulation = inPlace ? v : backend.makeOutput([...p.shape], 'float32');
    const newValue = inPlace ? p : backend.makeOutput([...p.shape], 'float32');
    const whole = heapViews(backend);
    const view = (t: Info) => whole(t, 0, n);
    if (inPlace) {
      blas.saxpby(1, view(g), m, view(v));
      blas.saxpy(c, view(v), view(p));
      backend.incRef(v.dataId);
      backend.incRef(p.dataId);
      return [
        { dataId: v.dataId, shape: [...p.shape], dtype: 'float32' },
        { dataId: p.dataId, shape: [...p.shape], dtype: 'float32' },
      ];
    }
    const acc2 = view(newAccumulation);
    const p2 = view(newValue);
    blas.scopy(view(g), acc2);
    blas.saxpy(m, view(v), acc2);
    blas.scopy(view(p), p2);
    blas.saxpy(c, acc2, p2);
    return [newAccumulation, newValue];
  };
}
