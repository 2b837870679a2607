import { describe, expect, it } from 'vitest';
import { advance, assemble, F32, I32, op, V128, whileBelow } from './assembler';
import { boundToMemory, instantiateOn, instantiateOwn, once } from './instantiate';
import { sleb, uleb } from './leb128';

/** The exports of a module the engine must accept. */
function accepted(exports: WebAssembly.Exports | undefined): WebAssembly.Exports {
  if (exports === undefined) throw new Error('the engine refused the module');
  return exports;
}

describe('LEB128', () => {
  it('encodes the WebAssembly specification’s examples', () => {
    // The examples of the LEB128 article the specification cites: 624485 and −123456.
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    // Past 32 bits, as protocol buffers' varints: 2³² and the largest uint64.
    expect(uleb(2 ** 32)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(uleb((1n << 64n) - 1n)).toEqual([...Array(9).fill(0xff), 0x01]);
    expect(() => uleb(-1n)).toThrow(RangeError);
  });

  it('gives i32.const values the engine reads back exactly', () => {
    const values = [
      0,
      1,
      -1,
      63,
      64,
      -64,
      -65,
      8191,
      8192,
      -8193,
      2 ** 31 - 1,
      -(2 ** 31),
      123456789,
    ];
    const functions = values.map((v, i) => ({
      name: `c${i}`,
      params: [],
      locals: [],
      body: op.i32(v),
      results: [I32],
    }));
    const exports = accepted(instantiateOwn(assemble(functions, { own: 1 })));
    for (const [i, v] of values.entries()) expect((exports[`c${i}`] as () => number)()).toBe(v);
  });
});

/** `add(a, b, out, n)`: `out[i] = a[i] + b[i]` for n floats (a multiple of 4), 4 at a time. */
const [A, B, OUT, N, END] = [0, 1, 2, 3, 4];
const ADD = {
  name: 'add',
  params: [I32, I32, I32, I32],
  locals: [I32],
  body: [
    ...[...op.get(A), ...op.get(N), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(END)],
    ...whileBelow(A, END, [
      ...[...op.get(OUT), ...op.get(A), ...op.load, ...op.get(B), ...op.load, ...op.f32Add],
      ...op.store,
      ...advance(A, 16),
      ...advance(B, 16),
      ...advance(OUT, 16),
    ]),
  ],
};

describe('assemble', () => {
  it('runs a SIMD loop on its own memory, as float32 addition does', () => {
    const exports = accepted(instantiateOwn(assemble([ADD], { own: 1 })));
    const memory = exports.memory as WebAssembly.Memory;
    const heap = new Float32Array(memory.buffer);
    const a = Float32Array.from({ length: 8 }, (_, i) => 0.1 * i);
    const b = Float32Array.from({ length: 8 }, (_, i) => 1 / (i + 3));
    heap.set(a, 0);
    heap.set(b, 8);
    (exports.add as (...args: number[]) => void)(0, 32, 64, 8);
    expect(heap.subarray(16, 24)).toEqual(a.map((x, i) => Math.fround(x + (b[i] as number))));
  });

  it('imports a plain or a shared memory and the functions named', () => {
    const twice = { name: 'twice', params: [F32], results: [F32] };
    const CALL = {
      name: 'call',
      params: [F32],
      locals: [],
      body: [...op.get(0), ...op.call(0)],
      results: [F32],
    };
    for (const shared of [false, true]) {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared });
      const exports = accepted(
        instantiateOn(
          memory,
          (s) => assemble([ADD, CALL], { import: 'env.memory', shared: s }, [twice]),
          { twice: (x: number) => 2 * x },
        ),
      );
      expect((exports.call as (x: number) => number)(1.5)).toBe(3);
    }
    expect(
      instantiateOn(undefined, (s) => assemble([ADD], { import: 'env.memory', shared: s })),
    ).toBeUndefined();
  });

  it('answers undefined for a module the engine refuses', () => {
    const bad = assemble(
      [{ name: 'f', params: [], locals: [V128], body: [...op.get(0)], results: [I32] }],
      { own: 1 },
    );
    expect(instantiateOwn(bad)).toBeUndefined();
  });
});

describe('caching', () => {
  it('makes once, and again for another memory', () => {
    let made = 0;
    const kept = once(() => ++made);
    expect([kept(), kept()]).toEqual([1, 1]);
    const bound = boundToMemory((memory) => (memory === undefined ? undefined : ++made));
    const [m1, m2] = [
      new WebAssembly.Memory({ initial: 1 }),
      new WebAssembly.Memory({ initial: 1 }),
    ];
    expect([bound(m1), bound(m1), bound(m2), bound(m1)]).toEqual([2, 2, 3, 4]);
  });
});
