import { readFile } from 'node:fs/promises';
import type { RgbaImage } from '@mnist-lab/data';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UsageError } from './errors';

/** Reads a PNG or JPEG file (detected by content) as RGBA. */
export async function readImage(path: string): Promise<RgbaImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new UsageError(`${path}: cannot read the image: ${(cause as Error).message}`);
  }
  try {
    if (
      bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    ) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (cause) {
    throw new UsageError(`${path}: cannot decode the image: ${(cause as Error).message}`);
  }
  throw new UsageError(`${path}: not a PNG or JPEG image`);
}
