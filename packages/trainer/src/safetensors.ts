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

/** The format's limit on the JSON header (safetensors refuses larger ones). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/**
 * The most tensors (and metadata) a header may name: an MLP of 8 hidden layers with batch norm has
 * 43; a header of 400 000 keys took 106 s to check when the check was quadratic.
 */
export const SAFETENSORS_MAX_TENSORS = 4096;

/** The keys of a JSON object's top level, in order, duplicates included (JSON.parse drops them). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Decodes a safetensors file (F32, F64, I32, I64, U8). `file` names it in errors. It follows the
 * format's rules: a header of at most 100 MB holding a JSON object with no duplicate keys; each
 * tensor a dtype, a shape of non-negative integers and integer data offsets that match its size;
 * the tensors' byte ranges contiguous from 0, not overlapping, and covering the rest of the file.
 * Memory is bounded by the file's size: nothing is allocated that the file does not hold.
 */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): DecodedSafetensors {
  const fail = (why: string): never => {
    throw new TrainerError('bad-safetensors', `${file}: ${why}`);
  };
  const { header, base } = readHeader(bytes, file, fail);
  const dataBytes = bytes.length - base;
  const ranges: TensorRange[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(entry) || !Object.values(entry).every((v) => typeof v === 'string'))
        fail('__metadata__ must be an object of strings');
      metadata = entry as Record<string, string>;
    } else ranges.push(tensorRange(name, entry, dataBytes, fail));
  }
  let next = 0;
  for (const r of [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (r.begin !== next)
      fail(
        `tensor '${r.name}' starts at byte ${r.begin}, expected ${next}: data ranges must be contiguous and must not overlap`,
      );
    next = r.end;
  }
  if (next !== dataBytes)
    fail(`the tensors cover ${next} of the file's ${dataBytes} data bytes; expected all of them`);
  // Only now, with every range checked, is anything allocated: at most the file's size in all.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors: Record<string, StoredTensor> = {};
  for (const r of ranges) tensors[r.name] = readTensor(view, base, r);
  return { tensors, metadata };
}

type Fail = (why: string) => never;

interface TensorRange {
  name: string;
  dtype: StoredTensor['dtype'];
  shape: number[];
  begin: number;
  end: number;
}

/** The header: its length (at most the format's limit, inside the file), one JSON object, no key twice. */
function readHeader(
  bytes: Uint8Array,
  file: string,
  fail: Fail,
): { header: Record<string, unknown>; base: number } {
  if (bytes.length < 8) fail(`too short for a safetensors header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(SAFETENSORS_MAX_HEADER_BYTES))
    fail(
      `header length ${declared} exceeds the format's limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`,
    );
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length)
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw new TrainerError('bad-safetensors', `${file}: the header is not JSON`, { cause });
  }
  if (!isPlainObject(header)) return fail('the header is not a JSON object of tensors');
  const keys = topLevelKeys(text.trim());
  if (keys.length > SAFETENSORS_MAX_TENSORS)
    fail(
      `the header names ${keys.length} tensors; this reader accepts at most ${SAFETENSORS_MAX_TENSORS}`,
    );
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) fail(`the header names '${k}' twice`);
    seen.add(k);
  }
  return { header, base: 8 + headerLength };
}

/** One tensor's entry, checked: a known dtype, a shape, and offsets that fit its size and the file. */
function tensorRange(name: string, entry: unknown, dataBytes: number, fail: Fail): TensorRange {
  if (!isPlainObject(entry)) fail(`tensor '${name}' is not an object`);
  const { dtype, shape, data_offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in BYTES))
    fail(
      `tensor '${name}' has dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(BYTES).join(', ')}`,
    );
  if (!Array.isArray(shape) || !shape.every(isIndex))
    fail(
      `tensor '${name}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`,
    );
  if (
    !Array.isArray(data_offsets) ||
    data_offsets.length !== 2 ||
    !data_offsets.every(isIndex) ||
    (data_offsets[0] as number) > (data_offsets[1] as number)
  )
    fail(
      `tensor '${name}' has data_offsets ${JSON.stringify(data_offsets)}; expected [begin, end] with integers 0 ≤ begin ≤ end`,
    );
  const d = dtype as StoredTensor['dtype'];
  const dims = shape as number[];
  const [begin, end] = data_offsets as [number, number];
  // Multiplied as floats: a product past 2^53 is still far past any file's length.
  const count = dims.reduce((a, b) => a * b, 1);
  if (end - begin !== count * BYTES[d] || end > dataBytes) {
    fail(
      `tensor '${name}' (${d} [${dims.join(', ')}]) has data offsets [${begin}, ${end}] that do not fit its size or the file (${dataBytes} data bytes)`,
    );
  }
  return { name, dtype: d, shape: dims, begin, end };
}

/** A checked range's values, little-endian, into a typed array of its own. */
function readTensor(view: DataView, base: number, r: TensorRange): StoredTensor {
  const { dtype: d, shape, begin, end } = r;
  const count = (end - begin) / BYTES[d];
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
  return { dtype: d, shape, data };
}
