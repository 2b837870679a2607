import { DataError } from './errors';

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes with the platform's `DecompressionStream` (browsers, Deno, Node 18+). */
export async function gunzipWithStreams(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BlobPart])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (cause) {
    throw new DataError('bad-gzip', file, `cannot gunzip: ${(cause as Error).message}`, { cause });
  }
}
