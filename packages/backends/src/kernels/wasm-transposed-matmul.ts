import type * as tf from '@tensorflow/tfjs-core';
import type { WasmHeapBackend } from './wasm-heap';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;

const size = (t: Info) => t.shape.reduce((a, b) => a * b, 1);

/**
 * tfjs-backend-wasm's `BatchMatMul` with `transposeA` or `transposeB` is about 12x slower than a
 * plain product (XNNPACK only gets the plain layout), and backpropagation through `Linear` uses
 * exactly those products. This wraps the kernel so that a transposed product becomes explicit
 * transposes and a plain product, choosing the identity that transposes the fewest elements:
 * `A·Bᵀ = (B·Aᵀ)ᵀ` when A and the result are smaller than B (a small batch times a big weight),
 * `Aᵀ·Bᵀ = (B·A)ᵀ`. The arithmetic is the same products in the same order: results are
 * bit-identical to the unpatched kernel or within float rounding of it.
 */
export function fastTransposedMatMul(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const owner = backend as unknown as WasmHeapBackend;
    const temps: Info[] = [];
    const temp = (x: Info): Info => {
      temps.push(x);
      return x;
    };
    const T = (x: Info): Info => {
      const rank = x.shape.length;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
      return transpose({ inputs: { x }, backend, attrs: { perm } }) as Info;
    };
    const mm = (x: Info, y: Info): Info =>
      original({
        inputs: { a: x, b: y },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as Info;
    try {
      if (transposeA && transposeB) return T(temp(mm(b, a)));
      if (transposeA) return mm(temp(T(a)), b);
      // A·Bᵀ with A [..., M, K] and B [..., N, K]: transpose B, or A and the [..., M, N] result.
      const resultSize = (size(a) / (a.shape.at(-1) as number)) * (b.shape.at(-2) as number);
      if (size(a) + resultSize < size(b)) return T(temp(mm(b, temp(T(a)))));
      return mm(a, temp(T(b)));
    } finally {
      for (const x of temps) owner.disposeData(x.dataId);
    }
  };
}
