import {
  advance,
  assemble,
  boundToMemory,
  endAfter,
  F32,
  I32,
  instantiateOn,
  op,
  V128,
  whileBelow,
} from '@mnist-lab/wasm';
import type * as tf from '@tensorflow/tfjs-core';
import { f32, heapOffset, type WasmHeapBackend } from './wasm-heap';

// momentum(w, v, g, n, m, c): parameters 0–5; locals: end (6), then the splats of μ (7) and c (8), and v (9).
const [W, V, G, N, M, C, END, VM, VC, T] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const { get, set } = op;

/**
 * PyTorch's momentum update, `v ← μ·v + g; w ← w + c·v` (c = −lr), four floats at a time in wasm
 * SIMD, on tfjs-backend-wasm's own memory (no copies): a JavaScript loop over the heap runs at
 * about 2 ns per element, which for the lesson's 535K parameters is a millisecond per step.
 *
 * One exported function `momentum(w, v, g, n, m, c)` over byte offsets `w`, `v`, `g` and `n` floats
 * (a multiple of 4), importing the backend's memory. Each lane computes `v = fl(fl(m·v) + g)` and
 * `w = fl(w + fl(c·v))` in float32, as tfjs's element-wise kernels do.
 */
const MOMENTUM = {
  name: 'momentum',
  params: [I32, I32, I32, I32, F32, F32],
  locals: [I32, V128, V128, V128],
  body: [
    ...[...get(M), ...op.f32Splat, ...set(VM), ...get(C), ...op.f32Splat, ...set(VC)],
    ...endAfter(W, N, END, 4),
    ...whileBelow(W, END, [
      ...[...get(VM), ...get(V), ...op.load, ...op.f32Mul, ...get(G), ...op.load, ...op.f32Add],
      ...[...set(T), ...get(V), ...get(T), ...op.store],
      ...[...get(W), ...get(W), ...op.load, ...get(T), ...get(VC), ...op.f32Mul, ...op.f32Add],
      ...op.store,
      ...[...advance(W, 16), ...advance(V, 16), ...advance(G, 16)],
    ]),
  ],
};

const moduleBytes = (shared: boolean) => assemble([MOMENTUM], { import: 'env.memory', shared });

/** `momentum(w, v, g, n, m, c)` on a memory, or undefined where wasm SIMD or the memory will not do. */
export type SimdMomentum = (
  w: number,
  v: number,
  g: number,
  n: number,
  m: number,
  c: number,
) => void;

/**
 * The SIMD update bound to `memory` (tfjs-backend-wasm's, plain or, in a threaded build, shared),
 * or `undefined` where this engine has no wasm SIMD (or no shared memory in wasm) or the memory
 * cannot be imported: callers then keep a JavaScript loop.
 */
export function simdMomentum(memory: WebAssembly.Memory | undefined): SimdMomentum | undefined {
  return instantiateOn(memory, moduleBytes)?.momentum as SimdMomentum | undefined;
}

/**
 * `v ← fl(fl(μ·v) + g); w ← fl(w + fl(c·v))` over tensors on the wasm heap (`g`'s length), in
 * wasm SIMD where `simd` is bound to the backend's memory and in JavaScript, with the same float32
 * roundings, for the rest: the same results either way, and the same as tfjs's element-wise
 * kernels computing `add(mul(v, μ), g)` and `add(mul(v', c), w)`.
 */
export function momentumUpdate(
  backend: WasmHeapBackend,
  simd: SimdMomentum | undefined,
  { g, v, w }: { g: tf.TensorInfo; v: tf.TensorInfo; w: tf.TensorInfo },
  m: number,
  c: number,
): void {
  const offset = (t: tf.TensorInfo) => heapOffset(backend, t);
  const length = g.shape.reduce((a, b) => a * b, 1);
  const vectorized = simd === undefined ? 0 : length - (length % 4);
  if (vectorized > 0) simd?.(offset(w), offset(v), offset(g), vectorized, m, c);
  const [grad, velocity, weight] = [f32(backend, g), f32(backend, v), f32(backend, w)];
  for (let i = vectorized; i < length; i++) {
    const vi = Math.fround(Math.fround(m * (velocity[i] as number)) + (grad[i] as number));
    velocity[i] = vi;
    weight[i] = (weight[i] as number) + Math.fround(c * vi);
  }
}

/** `simdMomentum` for whichever memory a backend has now ({@link boundToMemory}). */
export const simdFor = () => boundToMemory(simdMomentum);
