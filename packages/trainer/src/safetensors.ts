import { TrainerError } from './errors';

/** A tensor as stored: dtype, shape and values (int64 values are held as numbers). */
export interface StoredTensor {
  readonly dtype: 'F32' | 'F64' | 'I32' | 'I64' | 'U8';
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array | readonly number[];
}

const BYTES = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1 } as const;

/**
 * Encodes named tensors in the safetensors format (an 8-byte little-endian header length, a JSON
 * header of dtypes, shapes and byte offsets padded to 8 bytes, then the raw little-endian data), as
 * PyTorch's `safetensors.torch.save_file` writes it. Keys keep their order.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, StoredTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new TrainerError(
        'bad-safetensors',
        `tensor '${name}': shape [${t.shape.join(', ')}] holds ${count} values, got ${t.data.length}`,
      );
    }
    const bytes = count * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i] as number;
      switch (t.dtype) {
        case 'F32':
          view.setFloat32(at, v, true);
          break;
        case 'F64':
          view.setFloat64(at, v, true);
          break;
        case 'I32':
          view.setInt32(at, v, true);
          break;
        case 'I64':
          view.setBigInt64(at, BigInt(v), true);
          break;
        case 'U8':
          view.setUint8(at, v);
          break;
        default:
          t.dtype satisfies never;
      }
      at += BYTES[t.dtype];
    }
  }
  return out;
}

/** What {@link decodeSafetensors} returns: tensors in file order, and the metadata. */
export interface DecodedSafetensors {
  readonly tensors: Record<string, StoredTensor>;
  readonly metadata: Record<string, string>;
}

/** Decodes a safetensors file (F32, F64, I32, I64, U8). `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): DecodedSafetensors {
  const fail = (why: string): never => {
    throw new TrainerError('bad-safetensors', `${file}: ${why}`);
  };
  if (bytes.length < 8) fail(`too short for a safetensors header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length)
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw new TrainerError('bad-safetensors', `${file}: the header is not JSON`, { cause });
  }
  const base = 8 + headerLength;
  const tensors: Record<string, StoredTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    if (!(dtype in BYTES))
      fail(`tensor '${name}' has dtype ${dtype}; expected one of ${Object.keys(BYTES).join(', ')}`);
    const d = dtype as StoredTensor['dtype'];
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = data_offsets;
    if (end - begin !== count * BYTES[d] || base + end > bytes.length) {
      fail(
        `tensor '${name}' (${d} [${shape.join(', ')}]) has data offsets [${begin}, ${end}] that do not fit its size or the file`,
      );
    }
    const at = base + begin;
    const read = (i: number): number => {
      const o = at + i * BYTES[d];
      if (d === 'F32') return view.getFloat32(o, true);
      if (d === 'F64') return view.getFloat64(o, true);
      if (d === 'I32') return view.getInt32(o, true);
      if (d === 'I64') return Number(view.getBigInt64(o, true));
      return view.getUint8(o);
    };
    const data =
      d === 'F32'
        ? new Float32Array(count)
        : d === 'F64'
          ? new Float64Array(count)
          : d === 'U8'
            ? new Uint8Array(count)
            : new Int32Array(count);
    for (let i = 0; i < count; i++) data[i] = read(i);
    tensors[name] = { dtype: d, shape, data };
  }
  return { tensors, metadata };
}
