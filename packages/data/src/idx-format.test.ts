import { describe, expect, it } from 'vitest';
import { DataError, type DataErrorCode, encodeIdxUint8, parseIdx } from './index';

function expectDataError(fn: () => unknown, code: DataErrorCode, message: RegExp) {
  try {
    fn();
  } catch (error) {
    expect(DataError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe(code);
    expect((error as DataError).file).toBe('f.idx');
    expect((error as Error).message).toMatch(/^f\.idx: /);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a DataError '${code}'`);
}

describe('parseIdx', () => {
  const valid = encodeIdxUint8(
    [2, 3, 3],
    Uint8Array.from({ length: 18 }, (_, i) => i),
  );

  it('reads dtype, big-endian dims and the data without copying', () => {
    const parsed = parseIdx(valid, 'f.idx');
    expect(parsed.dtype).toBe('uint8');
    expect(parsed.dims).toEqual([2, 3, 3]);
    expect(Array.from(parsed.data)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(parsed.data.buffer).toBe(valid.buffer);
  });

  it('reads dims past 2^16 (big-endian uint32)', () => {
    const bytes = encodeIdxUint8([70000], new Uint8Array(70000));
    expect(parseIdx(bytes, 'f.idx').dims).toEqual([70000]);
  });

  it('rejects a wrong magic number, and hints when the file is still gzipped', () => {
    const bad = valid.slice();
    bad[1] = 1;
    expectDataError(
      () => parseIdx(bad, 'f.idx'),
      'bad-magic',
      /magic number starts 0x00 0x01, expected 0x00 0x00/,
    );
    const gz = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]);
    expectDataError(() => parseIdx(gz, 'f.idx'), 'bad-magic', /gzipped/);
  });

  it('rejects an unknown dtype byte', () => {
    const bad = valid.slice();
    bad[2] = 0x0a;
    expectDataError(() => parseIdx(bad, 'f.idx'), 'unknown-dtype', /unknown IDX type byte 0x0a/);
  });

  it('rejects a truncated header', () => {
    expectDataError(
      () => parseIdx(valid.subarray(0, 3), 'f.idx'),
      'truncated',
      /expected at least 4/,
    );
    expectDataError(
      () => parseIdx(valid.subarray(0, 10), 'f.idx'),
      'truncated',
      /3 dimensions need 16 header bytes/,
    );
  });

  it('rejects truncated data, naming the sizes and the byte counts', () => {
    expectDataError(
      () => parseIdx(valid.subarray(0, valid.length - 1), 'f.idx'),
      'truncated',
      /2×3×3 \(uint8\) need 18 bytes, the file holds 17/,
    );
  });

  it('rejects size fields that disagree with a longer file', () => {
    const longer = new Uint8Array(valid.length + 5);
    longer.set(valid);
    expectDataError(
      () => parseIdx(longer, 'f.idx'),
      'size-mismatch',
      /need 18 bytes, the file holds 23/,
    );
  });

  it('takes the element size of wider dtypes into account', () => {
    const ints = new Uint8Array(4 + 4 + 3 * 4);
    ints[2] = 0x0c;
    ints[3] = 1;
    ints[7] = 3;
    expect(parseIdx(ints, 'f.idx')).toMatchObject({ dtype: 'int32', dims: [3] });
    expectDataError(
      () => parseIdx(ints.subarray(0, 19), 'f.idx'),
      'truncated',
      /\(int32\) need 12 bytes/,
    );
  });
});
