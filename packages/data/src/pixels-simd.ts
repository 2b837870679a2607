// A batch's pixels, bytes to float32, 16 at a time in wasm SIMD: a JavaScript loop through the
// 256-entry table costs ~1.5 ns a pixel, ~40 µs of each 32-image batch of MNIST (5 % of a training
// step with OpenBLAS on an AMD EPYC). The arithmetic is the table's own (`pixelTable`): `x/255`,
// then `(x − mean)/std`, each rounded to float32, which a float64 quotient or difference of
// float32 values rounded to float32 equals; every one of the 256 values is compared with the table
// before the module is used. Written with `@mnist-lab/wasm`.
import {
  advance,
  assemble,
  endAfter,
  F32,
  I32,
  instantiateOwn,
  op,
  V128,
  whileBelow,
} from '@mnist-lab/wasm';

// Locals after the 5 parameters (src, dst, n, mean, std): end, then the splats of mean, std, 255,
// the 16 bytes, their 8 halves and 4 words.
const [SRC, DST, N, MEAN, STD, END, VM, VS, VC, BYTES, HALF, WORDS] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
];
const { get, set } = op;

/** Four floats from `WORDS` (4 × u32): `((f32(w) / 255) − mean) / std`, stored at `dst + offset`. */
const fourPixels = (offset: number) => [
  ...[...get(DST), ...get(WORDS), ...op.f32ConvertI32U],
  ...[...get(VC), ...op.f32Div, ...get(VM), ...op.f32Sub, ...get(VS), ...op.f32Div],
  ...op.storeAt(offset),
];

/** Eight pixels from `HALF` (8 × u16): its low four and high four widened to u32. */
const eightPixels = (offset: number) => [
  ...[...get(HALF), ...op.i32ExtendLowI16U, ...set(WORDS), ...fourPixels(offset)],
  ...[...get(HALF), ...op.i32ExtendHighI16U, ...set(WORDS), ...fourPixels(offset + 16)],
];

/** `convert(src, dst, n, mean, std)`: `n` bytes at `src` (16 at a time, rounded up) to floats at `dst`. */
const CONVERT = {
  name: 'convert',
  params: [I32, I32, I32, F32, F32],
  locals: [I32, V128, V128, V128, V128, V128, V128],
  body: [
    ...[...get(MEAN), ...op.f32Splat, ...set(VM)],
    ...[...get(STD), ...op.f32Splat, ...set(VS)],
    ...[...op.f32Const(255), ...op.f32Splat, ...set(VC)],
    ...endAfter(SRC, N, END, 1),
    ...whileBelow(SRC, END, [
      ...[...get(SRC), ...op.load, ...set(BYTES)],
      ...[...get(BYTES), ...op.i16ExtendLowI8U, ...set(HALF), ...eightPixels(0)],
      ...[...get(BYTES), ...op.i16ExtendHighI8U, ...set(HALF), ...eightPixels(32)],
      ...advance(SRC, 16),
      ...advance(DST, 64),
    ]),
  ],
};

/** A memory of one page to start (grown as a batch needs). */
const MODULE = assemble([CONVERT], { own: 1 });

/** Bytes to floats for one table's arithmetic, into a buffer this module owns. */
export interface SimdPixels {
  /**
   * The floats of the images at `indices` (`size` bytes each, one after another in `images`): a
   * view into the module's memory, valid until the next call.
   */
  convert(images: Uint8Array, indices: ArrayLike<number>, size: number): Float32Array;
}

/**
 * The SIMD conversion for `(mean, std)` (`0, 1` without normalization), or `undefined` where the
 * engine has no wasm SIMD or any of the 256 values differs from `table` by a bit.
 */
export function simdPixels(table: Float32Array, mean: number, std: number): SimdPixels | undefined {
  const exports = instantiateOwn(MODULE);
  if (exports === undefined) return undefined;
  const memory = exports.memory as WebAssembly.Memory;
  const convert = exports.convert as (
    s: number,
    d: number,
    n: number,
    m: number,
    v: number,
  ) => void;
  const run = (bytes: number, write: (heap: Uint8Array) => void) => {
    // Room for the bytes rounded up to 16, then their floats (64-byte aligned).
    const padded = Math.ceil(bytes / 16) * 16;
    const need = padded + 4 * padded + 64;
    if (memory.buffer.byteLength < need)
      memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    write(new Uint8Array(memory.buffer, 0, padded));
    convert(0, padded, bytes, mean, std);
    return new Float32Array(memory.buffer, padded, bytes);
  };
  const all = run(256, (heap) => heap.set(Uint8Array.from({ length: 256 }, (_, v) => v)));
  const same = all.every((x, v) => Object.is(x, table[v]));
  if (!same) return undefined;
  return {
    convert(images, indices, size) {
      return run(indices.length * size, (heap) => {
        for (let i = 0; i < indices.length; i++) {
          const from = (indices[i] as number) * size;
          heap.set(images.subarray(from, from + size), i * size);
        }
      });
    },
  };
}
