import { SGD_MOMENTUM_KERNEL, type SgdMomentumAttrs } from '@mnist-lab/contracts';
import { ArgumentError } from '@mnist-lab/errors';
import * as tf from '@tensorflow/tfjs-core';
import type { OpenBlas } from '../openblas/openblas';
import { momentumUpdate, simdFor } from './momentum-update';
import { backendMemory, heapViews, type WasmHeapBackend } from './wasm-heap';

type Info = tf.TensorInfo;

/** The kernel's inputs checked, μ and −lr as float32, and whether the update may run in place. */
function momentumArgs(args: Parameters<tf.KernelFunc>[0]) {
  const { value, accumulation, gradient } = args.inputs as Record<string, Info>;
  const { lr, momentum } = args.attrs as SgdMomentumAttrs;
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
  const inPlace =
    backend.refCount(p.dataId) === 1 &&
    backend.refCount(v.dataId) === 1 &&
    new Set([p.dataId, v.dataId, g.dataId]).size === 3;
  // tfjs holds μ and −lr as float32 scalars; so does this.
  return { p, v, g, backend, inPlace, m: Math.fround(momentum), c: Math.fround(-lr) };
}

/** In place: the outputs are the inputs' own buffers again, as tfjs's `Identity` returns its input's. */
function sameBuffers(backend: WasmHeapBackend, v: Info, p: Info): Info[] {
  backend.incRef(v.dataId);
  backend.incRef(p.dataId);
  return [
    { dataId: v.dataId, shape: [...p.shape], dtype: 'float32' },
    { dataId: p.dataId, shape: [...p.shape], dtype: 'float32' },
  ];
}

/**
 * The fused update on the wasm heap with OpenBLAS. When nothing but the optimizer's variables holds
 * the parameter's and the velocity's buffers (the usual case: a clone shares a buffer and raises
 * its count), the update runs in place, `v ← g + μ·v` (`saxpby`) and `p ← p − lr·v` (`saxpy`),
 * and the outputs are those buffers again, as tfjs's `Identity` returns its input's; `assign` then
 * keeps them. Otherwise it writes new buffers: `copy g`, `axpy μ·v`, `copy p`, `axpy −lr·v'`.
 */
export function wasmSgdMomentum(blas: OpenBlas): tf.KernelFunc {
  return (args) => {
    const { p, v, g, backend, inPlace, m, c } = momentumArgs(args);
    const n = tf.util.sizeFromShape(p.shape);
    const newAccumulation = inPlace ? v : backend.makeOutput([...p.shape], 'float32');
    const newValue = inPlace ? p : backend.makeOutput([...p.shape], 'float32');
    const whole = heapViews(backend);
    const view = (t: Info) => whole(t, 0, n);
    if (inPlace) {
      blas.saxpby(1, view(g), m, view(v));
      blas.saxpy(c, view(v), view(p));
      return sameBuffers(backend, v, p);
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

/**
 * The fused update without OpenBLAS: one pass in wasm SIMD on the backend's memory
 * (`kernels/momentum-update.ts`), `v ← fl(fl(μ·v) + g); p ← fl(p + fl(c·v))`, the same float32
 * roundings as tfjs's four element-wise kernels (bit-identical results) in about a tenth of their
 * time. Registered only where wasm SIMD runs on the memory.
 */
export function wasmSgdMomentumSimd(): tf.KernelFunc {
  const simdOf = simdFor();
  return (args) => {
    const { p, v, g, backend, inPlace, m, c } = momentumArgs(args);
    const simd = simdOf(backendMemory(backend));
    // The value always goes to a new buffer: tfjs-wasm keeps XNNPACK's packed copy of a product's
    // second operand per tensor (a weight, in backpropagation's dy·W), which a change in place
    // would leave stale. The velocity is never a product's operand: in place where it may be.
    const newAccumulation = inPlace ? v : backend.makeOutput([...p.shape], 'float32');
    const newValue = backend.makeOutput([...p.shape], 'float32');
    const n = tf.util.sizeFromShape(p.shape);
    const view = heapViews(backend);
    if (!inPlace) view(newAccumulation, 0, n).set(view(v, 0, n));
    view(newValue, 0, n).set(view(p, 0, n));
    momentumUpdate(backend, simd, { g, v: newAccumulation, w: newValue }, m, c);
    if (inPlace) backend.incRef(v.dataId);
    return [
      inPlace ? { dataId: v.dataId, shape: [...p.shape], dtype: 'float32' } : newAccumulation,
      newValue,
    ];
  };
}
