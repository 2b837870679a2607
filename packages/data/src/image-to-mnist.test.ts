import { describe, expect, it } from 'vitest';
import { DataError, imageToMnist, type RgbaImage } from './index';

/** A w×h RGBA image of `paper` with a filled rectangle of `ink`. */
function rectImage(
  w: number,
  h: number,
  rect: [number, number, number, number],
  ink: number[],
  paper: number[],
): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= rect[0] && x < rect[2] && y >= rect[1] && y < rect[3];
      data.set([...(inside ? ink : paper), 255], 4 * (y * w + x));
    }
  }
  return { width: w, height: h, data };
}

function stats(pixels: Float32Array) {
  let mass = 0;
  let cx = 0;
  let cy = 0;
  let x0 = 28;
  let x1 = -1;
  let y0 = 28;
  let y1 = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = pixels[y * 28 + x] as number;
      mass += v;
      cx += v * x;
      cy += v * y;
      if (v > 0.5) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return {
    cx: cx / mass,
    cy: cy / mass,
    width: x1 - x0 + 1,
    height: y1 - y0 + 1,
    max: Math.max(...pixels),
  };
}

describe('imageToMnist (MNIST-style preprocessing)', () => {
  it('makes a dark stroke on white paper a white digit on black, 20 px tall, centred by mass', () => {
    // A tall bar off-centre in a 300×200 image, black on white.
    const pixels = imageToMnist(rectImage(300, 200, [30, 20, 60, 180], [0, 0, 0], [255, 255, 255]));
    expect(pixels).toHaveLength(784);
    const s = stats(pixels);
    expect(s.max).toBe(1);
    expect(s.height).toBe(20);
    expect(s.width).toBeLessThanOrEqual(5);
    expect(Math.abs(s.cx - 13.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(s.cy - 13.5)).toBeLessThanOrEqual(1);
    // Corners stay black.
    expect(pixels[0]).toBe(0);
    expect(pixels[783]).toBe(0);
  });

  it('gives the same digit for either polarity and any colours', () => {
    const a = imageToMnist(rectImage(100, 100, [20, 30, 80, 50], [0, 0, 0], [255, 255, 255]));
    const b = imageToMnist(rectImage(100, 100, [20, 30, 80, 50], [255, 255, 255], [0, 0, 0]));
    const c = imageToMnist(rectImage(100, 100, [20, 30, 80, 50], [20, 20, 160], [250, 250, 200]));
    const close = (p: Float32Array, q: Float32Array) =>
      p.every((v, i) => Math.abs(v - (q[i] as number)) < 0.05);
    expect(close(a, b)).toBe(true);
    expect(close(a, c)).toBe(true);
    expect(stats(a).width).toBe(20);
  });

  it('treats transparent pixels as white paper', () => {
    const img = rectImage(50, 50, [10, 10, 40, 40], [0, 0, 0], [0, 0, 0]);
    for (let i = 0; i < 50 * 50; i++) {
      const x = i % 50;
      const y = Math.floor(i / 50);
      if (!(x >= 10 && x < 40 && y >= 10 && y < 40)) img.data[4 * i + 3] = 0;
    }
    expect(stats(imageToMnist(img)).width).toBe(20);
  });

  it('names a blank image', () => {
    const error = (() => {
      try {
        imageToMnist(rectImage(20, 20, [0, 0, 0, 0], [0, 0, 0], [255, 255, 255]), 'blank.png');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(DataError.isInstance(error) && error.code).toBe('blank-image');
    expect((error as Error).message).toBe('blank.png: no digit found (the image is blank)');
  });
});
