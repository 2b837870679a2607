import { DataError } from './errors';

/** The element types the IDX format defines, by their type byte. */
const IDX_DTYPES: Record<number, { readonly name: IdxDtype; readonly size: number }> = {
  8: { name: 'uint8', size: 1 },
  9: { name: 'int8', size: 1 },
  11: { name: 'int16', size: 2 },
  12: { name: 'int32', size: 4 },
  13: { name: 'float32', size: 4 },
  14: { name: 'float64', size: 8 },
};

/** An IDX element type's name: `uint8`, `int8`, `int16`, `int32`, `float32` or `float64`. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file: its element type, its dimensions and its raw big-endian element bytes. */
export interface IdxArray {
  readonly dtype: IdxDtype;
  readonly dims: readonly number[];
  /** The element bytes after the header (for uint8, the values themselves; no copy is made). */
  readonly data: Uint8Array;
}

const hex = (b: number | undefined) => `0x${(b ?? 0).toString(16).padStart(2, '0')}`;

/**
 * Parses the bytes of an uncompressed IDX file (LeCun's format: two zero bytes, a type byte, the
 * number of dimensions, then each dimension as a big-endian uint32, then the data).
 * `file` names the file in error messages.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(
      'truncated',
      file,
      `truncated IDX header: ${bytes.length} bytes, expected at least 4`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gzipHint =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (the file is gzipped: name it .gz)' : '';
    throw new DataError(
      'bad-magic',
      file,
      `not an IDX file: magic number starts ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00${gzipHint}`,
    );
  }
  const typeByte = bytes[2] as number;
  const dtype = IDX_DTYPES[typeByte as keyof typeof IDX_DTYPES];
  if (dtype === undefined) {
    throw new DataError(
      'unknown-dtype',
      file,
      `unknown IDX type byte ${hex(typeByte)}, expected one of ${Object.keys(IDX_DTYPES)
        .map((k) => hex(Number(k)))
        .join(', ')}`,
    );
  }
  const ndims = bytes[3] as number;
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DataError(
      'truncated',
      file,
      `truncated IDX header: ${ndims} dimensions need ${headerLength} header bytes, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1) * dtype.size;
  const actual = bytes.length - headerLength;
  if (actual < expected) {
    throw new DataError(
      'truncated',
      file,
      `truncated data: the header's sizes ${dims.join('×')} (${dtype.name}) need ${expected} bytes, the file holds ${actual}`,
    );
  }
  if (actual > expected) {
    throw new DataError(
      'size-mismatch',
      file,
      `size fields disagree with the file length: the header's sizes ${dims.join('×')} (${dtype.name}) need ${expected} bytes, the file holds ${actual}`,
    );
  }
  return { dtype: dtype.name, dims, data: bytes.subarray(headerLength) };
}

/** Encodes uint8 data as an IDX file: what tests and tools use to write datasets. */
export function encodeIdxUint8(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(data, 4 + 4 * dims.length);
  return out;
}
