// Property-based fuzzing of what the CLI reads from users: PNG and JPEG files mutated thousands of
// times, and arbitrary JSON as a run config, a network or a sweep spec. Every run ends in a result or a typed
// error (what the CLI prints without a stack trace), never another exception, and no image is
// decoded past the size limits.
import { imageToMnist } from '@mnist-lab/data';
import { MlpConfigError, parseMlpConfig } from '@mnist-lab/layers';
import { expandSweep, SWEEP_LIMITS, SweepSpecError } from '@mnist-lab/lesson';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, IMAGE_LIMITS } from './digit-image';
import { UsageError } from './errors';
import { parseRunConfig } from './run-config';

/** A 28×28 digit: a white bar on black. */
function digitPixels(): Buffer {
  const data = Buffer.alloc(28 * 28 * 4);
  for (let i = 0; i < 28 * 28; i++) {
    const white = i % 28 >= 12 && i % 28 < 16 && i >= 4 * 28 && i < 24 * 28;
    data.set([white ? 255 : 0, white ? 255 : 0, white ? 255 : 0, 255], i * 4);
  }
  return data;
}
const png = (() => {
  const image = new PNG({ width: 28, height: 28 });
  digitPixels().copy(image.data);
  return PNG.sync.write(image);
})();
const jpg = Buffer.from(jpeg.encode({ width: 28, height: 28, data: digitPixels() }, 90).data);

const bytesMutation = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  // Rewrite a big-endian 32-bit word (PNG's width and height live at 16 and 20).
  word: fc.option(fc.tuple(fc.constantFrom(16, 20, 0, 8), fc.nat()), { nil: undefined }),
});

function decodesOrRefuses(bytes: Buffer): void {
  try {
    const image = decodeImage(bytes, 'fuzz');
    expect(image.width * image.height).toBeLessThanOrEqual(IMAGE_LIMITS.maxPixels);
    imageToMnist(image, 'fuzz');
  } catch (error) {
    if (error instanceof UsageError) return;
    // imageToMnist refuses a blank image with a DataError, which the CLI also prints plainly.
    if ((error as { name?: string }).name === 'DataError') return;
    throw error;
  }
}

describe('fuzzed images', () => {
  it.each([
    ['PNG', png],
    ['JPEG', jpg],
  ])('decodes or refuses 1500 mutated %s files', (_name, valid) => {
    fc.assert(
      fc.property(bytesMutation, ({ flips, cut, word }) => {
        const bytes = Buffer.from(valid);
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        if (word !== undefined && word[0] + 4 <= bytes.length)
          bytes.writeUInt32BE(word[1] >>> 0, word[0]);
        decodesOrRefuses(cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
      }),
      { numRuns: 1500, seed: 21 },
    );
  });
});

describe('fuzzed configs', () => {
  const keys = ['preset', 'hidden', 'dropout', 'epochs', 'lr', 'seed', 'batchSize', 'data', 'x'];
  const config = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })),
  );

  it('parses or refuses 3000 run configs with a UsageError', () => {
    fc.assert(
      fc.property(config, (value) => {
        try {
          parseRunConfig(value, 'config fuzz.json');
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          expect(error.message).toMatch(/^invalid config fuzz\.json: /);
        }
      }),
      { numRuns: 3000, seed: 3 },
    );
  });

  it('parses or refuses 3000 network configs with an MlpConfigError, within MLP_LIMITS', () => {
    fc.assert(
      fc.property(config, (value) => {
        try {
          const c = parseMlpConfig(value);
          expect(c.hidden.every((w) => w <= 16_384)).toBe(true);
        } catch (error) {
          if (!MlpConfigError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 3000, seed: 4 },
    );
  });
});

describe('fuzzed sweep specs', () => {
  const field = fc.constantFrom('lr', 'momentum', 'hidden', 'batchSize', 'preset', 'dropout', 'x');
  const axis = fc.oneof(
    fc.record({ field, values: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 120 }) }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const spec = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        base: fc.dictionary(
          fc.constantFrom('epochs', 'lr', 'hidden', 'seed', 'out', 'x'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        axes: fc.array(axis, { maxLength: 6 }),
        seeds: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.jsonValue({ maxDepth: 0 })),
        mode: fc.constantFrom('grid', 'random', 'x'),
        samples: fc.integer({ min: -1, max: 2000 }),
      },
      { requiredKeys: [] },
    ),
  );

  it('expands or refuses 2000 sweep specs with a SweepSpecError, within SWEEP_LIMITS', () => {
    fc.assert(
      fc.property(spec, (value) => {
        try {
          const runs = expandSweep(value as never);
          expect(runs.length).toBeLessThanOrEqual(SWEEP_LIMITS.maxRuns);
          for (const r of runs) expect(r.id).toMatch(/^[0-9a-f]{16}$/);
        } catch (error) {
          if (!SweepSpecError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 2000, seed: 34 },
    );
  });
});
