// Property-based fuzzing of the IDX reader: valid files mutated thousands of times (bytes flipped,
// cut, extended, header sizes rewritten, gzipped). Every run ends in a dataset or a DataError,
// never another exception, and nothing decoded is larger than the file's header allows.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, datasetFromIdx, gunzipWithStreams, type IdxFiles, parseIdx } from './index';
import { gunzipNode } from './node';
import { tinyIdxFiles } from './test-helpers';

const valid = tinyIdxFiles();

/** A mutation of some bytes: flips, a cut, an extension, or a header word rewritten. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extend' as const),
    extra: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('word' as const),
    index: fc.integer({ min: 0, max: 3 }),
    value: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(0xffffffff), fc.nat()),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    if (m.kind === 'flip' && out.length > 0) out[m.at % out.length] = m.value;
    if (m.kind === 'cut') out = out.subarray(0, m.at % (out.length + 1));
    if (m.kind === 'extend') out = Uint8Array.from([...out, ...m.extra]);
    if (m.kind === 'word' && out.length >= 4 * (m.index + 2))
      new DataView(out.buffer, out.byteOffset).setUint32(4 + 4 * m.index, m.value >>> 0, false);
  }
  return out;
}

const expectTyped = (run: () => unknown) => {
  try {
    return run();
  } catch (error) {
    if (!DataError.isInstance(error)) throw error;
    return undefined;
  }
};

describe('fuzzed IDX input', () => {
  it('parses or refuses each of 3000 mutated datasets with a DataError', () => {
    const roles = Object.keys(valid) as (keyof IdxFiles)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...roles),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (role, mutations) => {
          const bytes = mutate(valid[role].bytes, mutations);
          const files = { ...valid, [role]: { file: valid[role].file, bytes } };
          const result = expectTyped(() => datasetFromIdx(files, { name: 'fuzz' })) as
            | ReturnType<typeof datasetFromIdx>
            | undefined;
          if (result !== undefined) {
            // What was accepted agrees with its header and holds no byte beyond its file.
            for (const split of [result.train, result.test]) {
              expect(split.images.length).toBe(split.count * split.rows * split.cols);
              expect(split.labels.length).toBe(split.count);
            }
            const mutated = role.startsWith('train') ? result.train : result.test;
            const held = role.endsWith('Images') ? mutated.images : mutated.labels;
            expect(held.length).toBeLessThan(bytes.length);
          }
        },
      ),
      { numRuns: 3000, seed: 13 },
    );
  });

  it('inflates or refuses 1000 mutated gzipped IDX files, never past the declared size', async () => {
    const source = valid.trainImages.bytes;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { maxLength: 3 }),
        fc.array(mutation, { maxLength: 2 }),
        async (before, after) => {
          const gz = mutate(gzipSync(mutate(source, before)), after);
          const declaredLimit = 1 << 20;
          for (const out of [
            expectTyped(() => gunzipNode(gz, 'f.gz', declaredLimit)) as Uint8Array | undefined,
            (await gunzipWithStreams(gz, 'f.gz', declaredLimit).catch((e: unknown) => {
              if (!DataError.isInstance(e)) throw e;
              return undefined;
            })) as Uint8Array | undefined,
          ]) {
            if (out === undefined) continue;
            expect(out.length).toBeLessThanOrEqual(declaredLimit);
            expectTyped(() => parseIdx(out, 'f'));
          }
        },
      ),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('inflates 500 gzipped IDX files with arbitrary gzip header fields to the same bytes, or refuses them', () => {
    const source = valid.trainImages.bytes;
    const gz = gzipSync(source);
    fc.assert(
      fc.property(
        fc.record({
          extra: fc.option(fc.uint8Array({ maxLength: 30_000 })),
          name: fc.option(fc.integer({ min: 0, max: 30_000 })),
          comment: fc.option(fc.integer({ min: 0, max: 30_000 })),
          cut: fc.option(fc.nat()),
        }),
        ({ extra, name, comment, cut }) => {
          const head = Uint8Array.from(gz.subarray(0, 10));
          const fields: Uint8Array[] = [];
          if (extra !== null) {
            head[3] = (head[3] as number) | 4;
            fields.push(Uint8Array.from([extra.length & 0xff, extra.length >> 8]), extra);
          }
          for (const [flag, length] of [
            [8, name],
            [16, comment],
          ] as const) {
            if (length === null) continue;
            head[3] = (head[3] as number) | flag;
            fields.push(new Uint8Array(length).fill(0x61), Uint8Array.of(0));
          }
          let file = Uint8Array.from(
            Buffer.concat([head, ...fields, gz.subarray(10)].map((b) => Buffer.from(b))),
          );
          if (cut !== null) file = file.subarray(0, cut % (file.length + 1));
          const out = expectTyped(() => gunzipNode(file, 'f.gz')) as Uint8Array | undefined;
          // Whole, it inflates to the IDX file itself, whatever the header's fields hold.
          if (cut === null) expect(out && Buffer.from(out).equals(Buffer.from(source))).toBe(true);
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });
});
