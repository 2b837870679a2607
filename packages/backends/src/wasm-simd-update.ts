import type * as tf from '@tensorflow/tfjs-core';
import { f32, heapOffset, type WasmHeapBackend } from './wasm-heap';

/** The import section: `env.memory`, no minimum, no maximum (a plain memory). */
const IMPORT_PLAIN = [
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
  0x00,
];
/**
 * The same import of a shared memory (a threaded build's): flags 3 (shared, with a maximum), no
 * minimum, and the largest maximum (65536 pages, 4 GiB), which every shared memory's fits under.
 */
const IMPORT_SHARED = [
  0x02, 0x12, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03,
  0x00, 0x80, 0x80, 0x04,
];

/**
 * PyTorch's momentum update, `v ← μ·v + g; w ← w + c·v` (c = −lr), four floats at a time in wasm
 * SIMD, on tfjs-backend-wasm's own memory (no copies): a JavaScript loop over the heap runs at
 * about 2 ns per element, which for the lesson's 535K parameters is a millisecond per step.
 *
 * The module is 175 bytes written here by hand (no toolchain): one exported function
 * `momentum(w, v, g, n, m, c)` over byte offsets `w`, `v`, `g` and `n` floats (a multiple of 4),
 * importing the memory as `env.memory` (`IMPORT_PLAIN` or, for a threaded build's shared memory,
 * `IMPORT_SHARED`). Each lane computes `v = fl(fl(m·v) + g)` and `w = fl(w + fl(c·v))` in float32,
 * as tfjs's element-wise kernels do.
 */
const moduleBytes = (shared: boolean) =>
  new Uint8Array([...HEADER, ...(shared ? IMPORT_SHARED : IMPORT_PLAIN), ...BODY]);

const HEADER = [
  // magic, version
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type section: (i32 i32 i32 i32 f32 f32) -> ()
  0x01, 0x0a, 0x01, 0x60, 0x06, 0x7f, 0x7f, 0x7f, 0x7f, 0x7d, 0x7d, 0x00,
];

const BODY = [
  // function section: one function of type 0
  0x03, 0x02, 0x01, 0x00,
  // export section: "momentum" = function 0
  0x07, 0x0c, 0x01, 0x08, 0x6d, 0x6f, 0x6d, 0x65, 0x6e, 0x74, 0x75, 0x6d, 0x00, 0x00,
  // code section: one body
  0x0a, 0x76, 0x01, 0x74,
  // locals: 1 i32 (end), 3 v128 (μ, c, v)
  0x02, 0x01, 0x7f, 0x03, 0x7b,
  // M = splat(m); C = splat(c); end = w + 4n
  0x20, 0x04, 0xfd, 0x13, 0x21, 0x07, 0x20, 0x05, 0xfd, 0x13, 0x21, 0x08, 0x20, 0x00, 0x20, 0x03,
  0x41, 0x02, 0x74, 0x6a, 0x21, 0x06,
  // block; loop; if w >= end: break
  0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x20, 0x06, 0x4f, 0x0d, 0x01,
  // t = M·load(v) + load(g)
  0x20, 0x01, 0xfd, 0x00, 0x02, 0x00, 0x20, 0x07, 0xfd, 0xe6, 0x01, 0x20, 0x02, 0xfd, 0x00, 0x02,
  0x00, 0xfd, 0xe4, 0x01, 0x21, 0x09,
  // store(v, t)
  0x20, 0x01, 0x20, 0x09, 0xfd, 0x0b, 0x02, 0x00,
  // store(w, load(w) + t·C)
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x02, 0x00, 0x20, 0x09, 0x20, 0x08, 0xfd, 0xe6, 0x01, 0xfd,
  0xe4, 0x01, 0xfd, 0x0b, 0x02, 0x00,
  // w += 16; v += 16; g += 16; continue
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x10, 0x6a, 0x21, 0x01, 0x20, 0x02,
  0x41, 0x10, 0x6a, 0x21, 0x02, 0x0c, 0x00,
  // end loop, end block, end function
  0x0b, 0x0b, 0x0b,
];

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

/** Whether `memory` is shared (a threaded build's). */
export const isShared = (memory: WebAssembly.Memory | undefined): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && memory?.buffer instanceof SharedArrayBuffer;

/**
 * A module built for `memory` (`bytesFor(shared)`: plain or shared) instantiated on it, with
 * `functions` as its other imports from `env`: its
 * exports, or `undefined` without a memory, where this engine cannot validate the module (no wasm
 * SIMD, no shared memory in wasm) or the memory cannot be imported.
 */
export function instantiateOn(
  memory: WebAssembly.Memory | undefined,
  bytesFor: (shared: boolean) => Uint8Array<ArrayBuffer>,
  functions: Record<string, (...args: number[]) => number> = {},
): WebAssembly.Exports | undefined {
  if (memory === undefined) return undefined;
  const bytes = bytesFor(isShared(memory));
  if (!WebAssembly.validate(bytes)) return undefined;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory, ...functions },
    }).exports;
  } catch {
    return undefined;
  }
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

/**
 * `make(memory)` for whichever memory a backend has now: made once, and again if the backend's
 * memory is another (a backend started anew). For the SIMD modules, which import one memory.
 */
export function boundToMemory<T>(
  make: (memory: WebAssembly.Memory | undefined) => T | undefined,
): (memory: WebAssembly.Memory | undefined) => T | undefined {
  let boundTo: WebAssembly.Memory | undefined;
  let made: T | undefined;
  return (memory) => {
    if (memory !== boundTo) {
      boundTo = memory;
      made = make(memory);
    }
    return made;
  };
}

/** `simdMomentum` for whichever memory a backend has now ({@link boundToMemory}). */
export const simdFor = () => boundToMemory(simdMomentum);

/** The memory of a tfjs-backend-wasm backend: its module's exports, or `wasmMemory` in threaded builds. */
export function backendMemory(backend: unknown): WebAssembly.Memory | undefined {
  const wasm = (
    backend as { wasm?: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory } }
  ).wasm;
  return wasm?.asm?.memory ?? wasm?.wasmMemory;
}
