import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, TrainerError } from './index';

describe('safetensors', () => {
  it('writes the documented layout: u64 header length, padded JSON header, little-endian data', () => {
    const bytes = encodeSafetensors({
      w: { dtype: 'F32', shape: [2], data: Float32Array.from([1, -2]) },
    });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header).toEqual({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    // 1.0f = 0x3f800000 and -2.0f = 0xc0000000, little-endian.
    expect(Array.from(bytes.subarray(8 + headerLength))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });

  it('round-trips F32, I64 and metadata, keeping key order', () => {
    const bytes = encodeSafetensors(
      {
        'fc1.weight': {
          dtype: 'F32',
          shape: [2, 3],
          data: Float32Array.from([0.1, 0.2, 0.3, -1e-8, 3e38, 0]),
        },
        'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: [1875] },
      },
      { format: 'pt' },
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Object.keys(tensors)).toEqual(['fc1.weight', 'bn.num_batches_tracked']);
    expect(Array.from(tensors['fc1.weight']?.data ?? [])).toEqual(
      Array.from(Float32Array.from([0.1, 0.2, 0.3, -1e-8, 3e38, 0])),
    );
    expect(tensors['bn.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    expect(Array.from(tensors['bn.num_batches_tracked']?.data ?? [])).toEqual([1875]);
    expect(metadata).toEqual({ format: 'pt' });
  });

  it('names the file and the problem for malformed input', () => {
    const bad = (bytes: Uint8Array, message: RegExp) => {
      try {
        decodeSafetensors(bytes, 'm.safetensors');
      } catch (e) {
        expect(TrainerError.isInstance(e) && e.code).toBe('bad-safetensors');
        expect((e as Error).message).toMatch(message);
        return;
      }
      throw new Error('expected an error');
    };
    bad(new Uint8Array(4), /^m\.safetensors: too short/);
    const good = encodeSafetensors({
      w: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) },
    });
    bad(good.subarray(0, good.length - 1), /tensor 'w' \(F32 \[2\]\) has data offsets \[0, 8\]/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 10_000n, true);
    bad(huge, /header length 10000 runs past the end/);
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: [1, 2] } })).toThrow(
      "tensor 'w': shape [3] holds 3 values, got 2",
    );
  });

  /** A file with this JSON header and `dataBytes` zero bytes of data. */
  const withHeader = (header: string, dataBytes = 0) => {
    const json = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const reason = (bytes: Uint8Array) => {
    try {
      decodeSafetensors(bytes, 'm.safetensors');
    } catch (e) {
      expect(TrainerError.isInstance(e) && e.code).toBe('bad-safetensors');
      return (e as Error).message;
    }
    return 'decoded';
  };

  it.each([
    ['null', 0, 'm.safetensors: the header is not a JSON object of tensors'],
    ['[1]', 0, 'm.safetensors: the header is not a JSON object of tensors'],
    ['{"w": null}', 0, "m.safetensors: tensor 'w' is not an object"],
    [
      '{"w": {"dtype": "F32", "data_offsets": [0, 4]}}',
      4,
      "m.safetensors: tensor 'w' has shape undefined; expected a list of non-negative integers",
    ],
    [
      '{"w": {"dtype": "F32", "shape": [1]}}',
      4,
      "m.safetensors: tensor 'w' has data_offsets undefined; expected [begin, end] with integers 0 ≤ begin ≤ end",
    ],
    [
      '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}',
      4,
      "m.safetensors: tensor 'w' has data_offsets [-4,0]; expected [begin, end] with integers 0 ≤ begin ≤ end",
    ],
    [
      '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0.5, 4.5]}}',
      5,
      "m.safetensors: tensor 'w' has data_offsets [0.5,4.5]; expected [begin, end] with integers 0 ≤ begin ≤ end",
    ],
    [
      '{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}',
      4,
      "m.safetensors: tensor 'w' has shape [-1]; expected a list of non-negative integers",
    ],
    [
      '{"w": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}',
      2,
      'm.safetensors: tensor \'w\' has dtype "BF16"; expected one of F32, F64, I32, I64, U8',
    ],
    [
      '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
      8,
      "m.safetensors: the header names 'w' twice",
    ],
    [
      '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
      8,
      "m.safetensors: tensor 'b' starts at byte 4, expected 8: data ranges must be contiguous and must not overlap",
    ],
    [
      '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
      8,
      "m.safetensors: tensor 'a' starts at byte 4, expected 0: data ranges must be contiguous and must not overlap",
    ],
    [
      '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}',
      8,
      "m.safetensors: the tensors cover 4 of the file's 8 data bytes; expected all of them",
    ],
    [
      '{"a": {"dtype": "U8", "shape": [100000, 100000, 100000], "data_offsets": [0, 8]}}',
      8,
      "m.safetensors: tensor 'a' (U8 [100000, 100000, 100000]) has data offsets [0, 8] that do not fit its size or the file (8 data bytes)",
    ],
    ['{"__metadata__": {"a": 1}}', 0, 'm.safetensors: __metadata__ must be an object of strings'],
  ])('refuses the header %s with a clear error', (header, dataBytes, message) => {
    expect(reason(withHeader(header, dataBytes))).toBe(message);
  });

  it("refuses a header length past the format's 100 MB limit without reading it", () => {
    const bytes = withHeader('{}');
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(reason(bytes)).toBe(
      "m.safetensors: header length 1099511627776 exceeds the format's limit of 100000000 bytes",
    );
  });

  it('refuses 400 000 keys by their count, and still finds a duplicate among 4000', () => {
    // A 3.5 MB header of 400 000 keys took 106 s when the duplicate check was quadratic: the count
    // is refused before any check (and the check is a set now).
    const many = `{${Array.from({ length: 400_000 }, (_, i) => `"k${i}": 0`).join(', ')}}`;
    expect(reason(withHeader(many))).toBe(
      'm.safetensors: the header names 400000 tensors; this reader accepts at most 4096',
    );
    const dup = `{${Array.from({ length: 4000 }, (_, i) => `"k${i}": 0`).join(', ')}, "k0": 0}`;
    expect(reason(withHeader(dup))).toBe("m.safetensors: the header names 'k0' twice");
  });

  it('accepts keys that hold escaped quotes and empty tensors', () => {
    const bytes = withHeader(
      '{"a\\"b": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}, "c": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}}',
      1,
    );
    expect(Object.keys(decodeSafetensors(bytes).tensors)).toEqual(['a"b', 'c']);
  });
});
