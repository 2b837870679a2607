// Property-based fuzzing of what a checkpoint is read from: safetensors bytes and headers mutated
// thousands of times, and arbitrary JSON as state.json. Every run ends in a result or a
// TrainerError, never another exception, and decoding allocates no more than the file holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, parseTrainingPosition, TrainerError } from './index';

const valid = encodeSafetensors(
  {
    'fc1.weight': { dtype: 'F32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    'fc1.bias': { dtype: 'F64', shape: [3], data: Float64Array.from([0.5, -1, 2]) },
    steps: { dtype: 'I64', shape: [], data: [7] },
    mask: { dtype: 'U8', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) },
  },
  { format: 'pt' },
);
const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + headerLength)));

/** Bytes of a safetensors file with this header value and `data` after it. */
function withHeader(value: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(value) ?? 'undefined');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function decodesOrRefuses(bytes: Uint8Array): void {
  let decoded: ReturnType<typeof decodeSafetensors> | undefined;
  try {
    decoded = decodeSafetensors(bytes, 'fuzz.safetensors');
  } catch (error) {
    if (!TrainerError.isInstance(error)) throw error;
    expect(error.message.startsWith('fuzz.safetensors: ')).toBe(true);
    return;
  }
  let allocated = 0;
  for (const t of Object.values(decoded.tensors))
    allocated += (t.data as ArrayLike<number> & { byteLength?: number }).byteLength ?? 0;
  expect(allocated).toBeLessThanOrEqual(bytes.length);
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });

describe('fuzzed safetensors', () => {
  it('decodes or refuses 3000 files with bytes flipped, cut or added', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 16 }),
        (flips, cut, extra) => {
          const bytes = Uint8Array.from(valid);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          decodesOrRefuses(
            Uint8Array.from([...bytes.subarray(0, cut % (bytes.length + 1)), ...extra]),
          );
        },
      ),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('decodes or refuses 3000 headers with fields replaced by arbitrary JSON', () => {
    const names = Object.keys(header);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.constantFrom('dtype', 'shape', 'data_offsets', undefined),
        jsonValue,
        (name, field, value) => {
          const mutated = structuredClone(header);
          if (field === undefined || typeof mutated[name] !== 'object') mutated[name] = value;
          else mutated[name][field] = value;
          decodesOrRefuses(withHeader(mutated, valid.subarray(8 + headerLength)));
        },
      ),
      { numRuns: 3000, seed: 12 },
    );
  });
});

describe('fuzzed state.json', () => {
  it('refuses 10 headers of 4097 to 50 000 keys by their count, and finds a key named twice among many', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4097, max: 50_000 }),
        fc.integer({ min: 2, max: 4096 }),
        fc.nat(),
        (many, few, twice) => {
          const keys = (n: number) => Array.from({ length: n }, (_, i) => `"t${i}": {}`);
          const over = new TextEncoder().encode(`{${keys(many).join(',')}}`);
          const bytes = new Uint8Array(8 + over.length);
          new DataView(bytes.buffer).setBigUint64(0, BigInt(over.length), true);
          bytes.set(over, 8);
          expect(() => decodeSafetensors(bytes, 'f')).toThrow(
            `f: the header names ${many} tensors; this reader accepts at most 4096`,
          );
          const listed = keys(few);
          listed.push(`"t${twice % few}": {}`);
          const dup = new TextEncoder().encode(`{${listed.join(',')}}`);
          const withDup = new Uint8Array(8 + dup.length);
          new DataView(withDup.buffer).setBigUint64(0, BigInt(dup.length), true);
          withDup.set(dup, 8);
          expect(() => decodeSafetensors(withDup, 'f')).toThrow(
            few + 1 > 4096
              ? 'tensors; this reader accepts at most 4096'
              : `names 't${twice % few}' twice`,
          );
        },
      ),
      { numRuns: 10, seed: 5 },
    );
  }, 60_000);

  it('accepts or refuses 2000 arbitrary JSON values with a TrainerError naming the file', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        try {
          parseTrainingPosition(value, 'state.json');
        } catch (error) {
          if (!TrainerError.isInstance(error)) throw error;
          expect(error.message).toMatch(/^state\.json: not a checkpoint's training position/);
        }
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});
