import { DataError } from './errors';

/** An RGBA image (as canvases and PNG decoders give). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * Converts any image of a digit into an MNIST example, the way MNIST's digits were made: grey
 * levels (transparent pixels count as white paper), white digit on black (inverted when the border
 * is light), cropped to the digit, scaled to fit 20×20 keeping its aspect, and placed in 28×28 with
 * its centre of mass at the centre. Returns 784 values in [0, 1] (as `ToTensor` gives).
 */
export function imageToMnist(image: RgbaImage, name = 'image'): Float32Array {
  const ink = inkOf(image);
  const box = inkBox(ink, image.width, image.height);
  if (box === undefined)
    throw new DataError('blank-image', name, 'no digit found (the image is blank)');
  const small = fitInto20(ink, image.width, box);
  return centreOfMassIn28(small);
}

interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
}

interface Scaled {
  readonly data: Float32Array;
  readonly tw: number;
  readonly th: number;
}

/** Ink per pixel (0 = paper): grey levels, transparent as white paper, inverted when the border is light. */
function inkOf({ width, height, data }: RgbaImage): Float32Array {
  const grey = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = (data[4 * i + 3] as number) / 255;
    const lum =
      0.299 * (data[4 * i] as number) +
      0.587 * (data[4 * i + 1] as number) +
      0.114 * (data[4 * i + 2] as number);
    grey[i] = lum * a + 255 * (1 - a);
  }
  let border = 0;
  let borderCount = 0;
  for (let x = 0; x < width; x++) {
    border += (grey[x] as number) + (grey[(height - 1) * width + x] as number);
    borderCount += 2;
  }
  for (let y = 0; y < height; y++) {
    border += (grey[y * width] as number) + (grey[y * width + width - 1] as number);
    borderCount += 2;
  }
  const invert = border / borderCount > 127;
  return grey.map((v) => (invert ? 255 - v : v));
}

/** The box around the pixels with more than a fifth of the strongest ink; undefined when blank. */
function inkBox(ink: Float32Array, width: number, height: number): Box | undefined {
  const max = ink.reduce((m, v) => Math.max(m, v), 0);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((ink[y * width + x] as number) > 0.2 * max && max > 30) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? undefined : { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** The box scaled to fit 20×20 keeping its aspect: 4×4 bilinear samples averaged per pixel. */
function fitInto20(ink: Float32Array, width: number, { x0, y0, w, h }: Box): Scaled {
  const scale = 20 / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  const small = new Float32Array(tw * th);
  const sample = (sx: number, sy: number) => {
    const fx = Math.min(Math.max(sx, 0), w - 1);
    const fy = Math.min(Math.max(sy, 0), h - 1);
    const xa = Math.floor(fx);
    const ya = Math.floor(fy);
    const xb = Math.min(xa + 1, w - 1);
    const yb = Math.min(ya + 1, h - 1);
    const tx = fx - xa;
    const ty = fy - ya;
    const at = (x: number, y: number) => ink[(y0 + y) * width + (x0 + x)] as number;
    return (
      (at(xa, ya) * (1 - tx) + at(xb, ya) * tx) * (1 - ty) +
      (at(xa, yb) * (1 - tx) + at(xb, yb) * tx) * ty
    );
  };
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      let sum = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++)
          sum += sample(
            ((tx + (sx + 0.5) / 4) * w) / tw - 0.5,
            ((ty + (sy + 0.5) / 4) * h) / th - 0.5,
          );
      }
      small[ty * tw + tx] = sum / 16;
    }
  }
  return { data: small, tw, th };
}

/** The scaled digit in 28×28 with its centre of mass at the centre, its peak at 1. */
function centreOfMassIn28({ data: small, tw, th }: Scaled): Float32Array {
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x] as number;
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  const ox = Math.round(14 - (mass > 0 ? cx / mass : tw / 2) - 0.5);
  const oy = Math.round(14 - (mass > 0 ? cy / mass : th / 2) - 0.5);
  const dx = Math.min(Math.max(ox, 0), 28 - tw);
  const dy = Math.min(Math.max(oy, 0), 28 - th);
  const out = new Float32Array(784);
  const peak = small.reduce((m, v) => Math.max(m, v), 0) || 1;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++)
      out[(dy + y) * 28 + dx + x] = Math.min(1, (small[y * tw + x] as number) / peak);
  }
  return out;
}
