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
});
