import { imageHeader, type RgbaImage } from '@mnist-lab/data';
import { FileError, readRegularFile } from '@mnist-lab/errors/node';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UsageError } from './errors';

/**
 * The largest image `predict` decodes: 16 megapixels (a phone photo is about 12), each side at
 * most 8192 pixels. Decoded as RGBA that is 64 MB; the file itself may be at most 64 MB.
 */
export const IMAGE_LIMITS = { maxPixels: 1 << 24, maxSide: 8192, maxFileBytes: 64 << 20 } as const;

/** The image's format and size from its header, refusing one too large to decode. */
function checkHeader(bytes: Buffer, path: string): 'png' | 'jpeg' {
  const size = imageHeader(bytes);
  if (size === undefined)
    throw new UsageError(
      bytes[0] === 0xff && bytes[1] === 0xd8
        ? `${path}: a JPEG without a readable frame header`
        : `${path}: not a PNG or JPEG image`,
    );
  const { width, height } = size;
  if (
    width > IMAGE_LIMITS.maxSide ||
    height > IMAGE_LIMITS.maxSide ||
    width * height > IMAGE_LIMITS.maxPixels
  ) {
    throw new UsageError(
      `${path}: the image is ${width}×${height} pixels; predict decodes images of at most ${IMAGE_LIMITS.maxPixels / (1 << 20)} megapixels, ${IMAGE_LIMITS.maxSide} pixels a side (a digit needs far fewer: it is shrunk to 28×28)`,
    );
  }
  return size.format;
}

/**
 * Reads a PNG or JPEG file (detected by content) as RGBA. Its size is checked from the header
 * before anything is decoded, so a small file that declares a huge image takes no memory.
 */
export async function readImage(path: string): Promise<RgbaImage> {
  let bytes: Uint8Array;
  try {
    // A regular file only: /dev/zero behind a symbolic link, or a FIFO, is refused unread.
    bytes = await readRegularFile(path, IMAGE_LIMITS.maxFileBytes, 'the image');
  } catch (cause) {
    if (FileError.isInstance(cause)) throw new UsageError(cause.message);
    throw cause;
  }
  return decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/**
 * Decodes PNG or JPEG bytes as RGBA, after checking the size its header declares. Every failure
 * is a {@link UsageError} naming `path`.
 */
export function decodeImage(bytes: Buffer, path: string): RgbaImage {
  const format = checkHeader(bytes, path);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: IMAGE_LIMITS.maxPixels / 1e6,
      // What a 16-megapixel JPEG of four components takes in jpeg-js (each component's blocks at
      // 4 bytes a pixel, and the RGBA output): 256 MB refused a 4096×4096 image.
      maxMemoryUsageInMB: 512,
    });
    return { width: img.width, height: img.height, data: img.data };
  } catch (cause) {
    throw new UsageError(`${path}: cannot decode the image: ${(cause as Error).message}`);
  }
}
