import { DataError } from './errors';

/** What {@link unzip} reads at most; past any of these it refuses the archive, naming the bound. */
export interface ZipLimits {
  /** Files in the archive (folders aside). */
  readonly maxEntries: number;
  /** One file's bytes once inflated. */
  readonly maxEntryBytes: number;
  /** All files' bytes once inflated. */
  readonly maxTotalBytes: number;
}

/** One file of an archive: its path inside it and its bytes. */
export interface ZipEntry {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const u16 = (b: Uint8Array, at: number) => (b[at] as number) | ((b[at + 1] as number) << 8);
const u32 = (b: Uint8Array, at: number) => u16(b, at) + u16(b, at + 2) * 65536;

/** Inflates raw deflate data, never past `size` bytes (what the archive says the file holds). */
async function inflate(data: Uint8Array, size: number, name: string): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  const out = new Uint8Array(size);
  let at = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > size) {
        await reader.cancel();
        throw new DataError(
          'size-mismatch',
          name,
          `inflates past the ${size} bytes the archive declares for it`,
        );
      }
      out.set(value, at);
      at += value.length;
    }
  } catch (cause) {
    if (DataError.isInstance(cause)) throw cause;
    throw new DataError('bad-archive', name, `cannot inflate: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (at !== size)
    throw new DataError(
      'size-mismatch',
      name,
      `inflates to ${at} bytes, not the ${size} the archive declares`,
    );
  return out;
}

/**
 * The files of a zip archive, read from its central directory: stored or deflated, each inflated
 * only up to the size the directory declares for it, and the archive refused before anything is
 * inflated when its declared sizes or its count pass `limits` (a zip bomb). Folders, and the
 * `__MACOSX/` and dot files archivers add, are left out. Throws a {@link DataError} naming
 * `name` (the archive) and what is wrong.
 */
export async function unzip(
  bytes: Uint8Array,
  name: string,
  limits: ZipLimits,
): Promise<ZipEntry[]> {
  // The end-of-central-directory record: in the last 64 KB + 22 bytes.
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--)
    if (u32(bytes, i) === 0x06054b50) {
      end = i;
      break;
    }
  if (end < 0)
    throw new DataError('bad-archive', name, 'not a zip archive (no end of central directory)');
  const count = u16(bytes, end + 10);
  let at = u32(bytes, end + 16);
  const listed: {
    path: string;
    method: number;
    compressed: number;
    size: number;
    local: number;
  }[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || u32(bytes, at) !== 0x02014b50)
      throw new DataError(
        'truncated',
        name,
        `its central directory ends early, at entry ${i + 1} of ${count}`,
      );
    const method = u16(bytes, at + 10);
    const compressed = u32(bytes, at + 20);
    const size = u32(bytes, at + 24);
    const nameLength = u16(bytes, at + 28);
    const path = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const local = u32(bytes, at + 42);
    at += 46 + nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (path.endsWith('/') || path.startsWith('__MACOSX/') || /(^|\/)\./.test(path)) continue;
    if (method !== 0 && method !== 8)
      throw new DataError(
        'bad-archive',
        name,
        `${path} is compressed with method ${method}; expected stored or deflate`,
      );
    if (size > limits.maxEntryBytes)
      throw new DataError(
        'too-large',
        name,
        `${path} declares ${size} bytes; a file may hold at most ${limits.maxEntryBytes}`,
      );
    total += size;
    if (total > limits.maxTotalBytes)
      throw new DataError(
        'too-large',
        name,
        `its files declare more than ${limits.maxTotalBytes} bytes in all`,
      );
    listed.push({ path, method, compressed, size, local });
    if (listed.length > limits.maxEntries)
      throw new DataError('too-large', name, `more than ${limits.maxEntries} files`);
  }
  const entries: ZipEntry[] = [];
  for (const e of listed) {
    const where = `${name}: ${e.path}`;
    if (e.local + 30 > bytes.length || u32(bytes, e.local) !== 0x04034b50)
      throw new DataError('truncated', where, 'its local header is missing');
    const start = e.local + 30 + u16(bytes, e.local + 26) + u16(bytes, e.local + 28);
    const data = bytes.subarray(start, start + e.compressed);
    if (data.length !== e.compressed)
      throw new DataError('truncated', where, 'its data ends early');
    if (e.method === 0 && e.compressed !== e.size)
      throw new DataError('size-mismatch', where, 'stored, but its sizes differ');
    entries.push({
      path: e.path,
      bytes: e.method === 0 ? data.slice() : await inflate(data, e.size, where),
    });
  }
  return entries;
}
