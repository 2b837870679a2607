import { DataError } from './errors';
import { collectIdx, MAX_IDX_BYTES } from './idx-limits';

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The chunks of a web `ReadableStream`, for `for await` where streams are not iterable (Safari). */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * Decompresses a gzipped IDX file with the platform's `DecompressionStream` (browsers, Deno, Node
 * 18+), never inflating more than its IDX header declares nor more than `limit` bytes.
 */
export async function gunzipWithStreams(
  bytes: Uint8Array,
  file: string,
  limit = MAX_IDX_BYTES,
): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  try {
    return await collectIdx(chunksOf(stream), file, limit);
  } catch (cause) {
    if (DataError.isInstance(cause)) throw cause;
    throw new DataError('bad-gzip', file, `cannot gunzip: ${(cause as Error).message}`, { cause });
  }
}
