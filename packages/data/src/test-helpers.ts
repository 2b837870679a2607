import { deflateRawSync, deflateSync } from 'node:zlib';
import { encodeIdxUint8, type IdxFiles } from './index';

/** A tiny synthetic dataset's four IDX files: `n` images of 4×4 whose pixels encode their index. */
export function tinyIdxFiles(nTrain = 12, nTest = 5): IdxFiles {
  const images = (n: number, offset: number) =>
    encodeIdxUint8(
      [n, 4, 4],
      Uint8Array.from({ length: n * 16 }, (_, i) => (Math.floor(i / 16) + offset) % 256),
    );
  const labels = (n: number) =>
    encodeIdxUint8(
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 10),
    );
  return {
    trainImages: { file: 'train-images-idx3-ubyte', bytes: images(nTrain, 0) },
    trainLabels: { file: 'train-labels-idx1-ubyte', bytes: labels(nTrain) },
    testImages: { file: 't10k-images-idx3-ubyte', bytes: images(nTest, 100) },
    testLabels: { file: 't10k-labels-idx1-ubyte', bytes: labels(nTest) },
  };
}

// A zip archive as archivers write one (local headers, data, central directory, end record):
// entries stored or deflated, with sizes that may be made to lie.
export type ZipTestEntry = { path: string; data: Uint8Array; deflate?: boolean; declared?: number };
export function zip(entries: ZipTestEntry[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.path);
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const size = e.declared ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(e.deflate ? 8 : 0, 10);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(size, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, dirBytes, end]));
}

/** A greyscale PNG (8 bits, no filter), as an image file a user would have. */
export function pngGrey(width: number, height: number, pixels: Uint8Array): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, tail]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++)
    rows.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}
