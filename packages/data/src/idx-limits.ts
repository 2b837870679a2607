import { DataError } from './errors';

/**
 * The largest IDX file this package reads, compressed or not: 1 GiB. The biggest MNIST-style files
 * in use are far smaller (MNIST's training images: 47 MB; EMNIST ByClass's: 547 MB), and the cap
 * keeps a hostile header or gzip bomb from taking the machine's memory.
 */
export const MAX_IDX_BYTES = 2 ** 30;

const ELEMENT_SIZE: Readonly<Record<number, number>> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };

/**
 * The total size (header and data) that an IDX header declares, once `head` holds the whole
 * header; undefined while it is too short, or when it is no IDX header at all (the parser then
 * says what is wrong).
 */
export function idxDeclaredSize(head: Uint8Array): number | undefined {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return undefined;
  const size = ELEMENT_SIZE[head[2] as number];
  const headerLength = 4 + 4 * (head[3] as number);
  if (size === undefined || head.length < headerLength) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let total = size;
  for (let i = 0; i < (head[3] as number); i++) total *= view.getUint32(4 + 4 * i, false);
  return headerLength + total;
}

/** The longest IDX header: 4 bytes and 255 dimensions of 4. */
const MAX_HEADER = 4 + 4 * 255;

/**
 * Collects the decompressed chunks of an IDX file, never holding more than its header declares
 * (nor more than `limit`): a gzip bomb or a lying header fails with a clear error after at most
 * that many bytes, before anything larger is allocated. Content that is no IDX file is cut at the
 * longest header, for the parser to name what is wrong.
 */
export async function collectIdx(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  limit = MAX_IDX_BYTES,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  let declared: number | undefined;
  let head: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.length;
    if (declared === undefined && head.length < MAX_HEADER) {
      head = concat(parts, Math.min(size, MAX_HEADER));
      declared = idxDeclaredSize(head);
      if (declared !== undefined && declared > limit) {
        throw new DataError(
          'too-large',
          file,
          `the IDX header declares ${declared} bytes, more than the ${limit} bytes this reader accepts`,
        );
      }
    }
    if (declared !== undefined && size > declared) {
      throw new DataError(
        'size-mismatch',
        file,
        `decompresses past the ${declared} bytes its IDX header declares; refusing the rest`,
      );
    }
    if (declared === undefined && size >= MAX_HEADER) break;
    if (size > limit)
      throw new DataError('too-large', file, `decompresses past ${limit} bytes; refusing the rest`);
  }
  return concat(parts, declared === undefined ? Math.min(size, MAX_HEADER) : size);
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && (parts[0] as Uint8Array).length === length)
    return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    if (at >= length) break;
    out.set(p.subarray(0, length - at), at);
    at += p.length;
  }
  return out;
}
