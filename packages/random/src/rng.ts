import { ArgumentError } from '@mnist-lab/errors';
import { wasmFill } from './fill-wasm';
/** The whole state of an {@link Rng}: four unsigned 32-bit words, JSON-safe for checkpoints. */
export type RngState = readonly [number, number, number, number];

const TWO_POW_32 = 2 ** 32;
/** From this many words `fillUint32` uses WebAssembly: below, the call costs more than it saves. */
const WASM_FROM = 256;
/** The state handed to the WebAssembly fill and back. */
const fillState = new Int32Array(4);

/** SplitMix32: spreads one 32-bit seed over the generator's state words. */
function splitMix32(seed: number): () => number {
  let z = seed >>> 0;
  return () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/**
 * Hashes any mix of numbers and strings to a 32-bit seed (FNV-1a, then a final avalanche), so that
 * independent streams can be named: `deriveSeed(seed, 'shuffle', epoch)`.
 */
export function deriveSeed(...parts: readonly (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.map(String).join('\u0000')) {
    h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded xoshiro128** generator. Integer arithmetic only, so every JavaScript engine gives the
 * same sequence for the same seed; its state is four numbers, saved and restored exactly.
 *
 * @example
 * const rng = new Rng(42);
 * rng.nextFloat(); // in [0, 1)
 * const order = rng.permutation(60000);
 */
export class Rng {
  // The state words, kept as int32 (the same bits as the unsigned words getState returns).
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** `seed` is any integer (taken modulo 2^32) or a string. */
  constructor(seed: number | string) {
    if (typeof seed === 'number' && !Number.isInteger(seed)) {
      throw new ArgumentError('Rng', `Rng: seed must be an integer or a string, got ${seed}`);
    }
    const next = splitMix32(typeof seed === 'number' ? seed : deriveSeed(seed));
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
  }

  /** A generator that continues exactly where the one that saved `state` was. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** Moves this generator, in place, to a state saved by {@link Rng.getState}. */
  setState(state: RngState): void {
    const words: unknown = state;
    if (!Array.isArray(words) || words.length !== 4 || !words.every(isUint32)) {
      throw new ArgumentError(
        'Rng.setState',
        `Rng.setState: expected four unsigned 32-bit integers, got ${JSON.stringify(state)}`,
      );
    }
    if (state.every((w) => w === 0)) {
      throw new ArgumentError('Rng.setState', 'Rng.setState: the all-zero state is invalid');
    }
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w | 0) as unknown as RngState;
  }

  /** The current state, for {@link Rng.fromState}. */
  getState(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Fills `out` with uniformly distributed unsigned 32-bit integers: the same values as calling
   * {@link Rng.nextUint32} `out.length` times. Long arrays are filled in WebAssembly where the
   * engine has it (the same arithmetic, about twice as fast as the JavaScript loop, which is about
   * ten times as fast as calling `nextUint32`).
   */
  fillUint32(out: Uint32Array): Uint32Array {
    let from = 0;
    const wasm = out.length >= WASM_FROM ? wasmFill() : undefined;
    if (wasm !== undefined) {
      fillState[0] = this.s0;
      fillState[1] = this.s1;
      fillState[2] = this.s2;
      fillState[3] = this.s3;
      from = wasm(fillState, out);
      [this.s0, this.s1, this.s2, this.s3] = fillState as unknown as [
        number,
        number,
        number,
        number,
      ];
    }
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = from; i < out.length; i++) {
      const r = Math.imul(s1, 5);
      out[i] = Math.imul((r << 7) | (r >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    // Stored as int32, as everywhere in the class (getState gives the unsigned words): an
    // unsigned conversion here deoptimized this function on every call once a long fill had
    // compiled it mid-loop (V8: "insufficient type feedback"), ten times slower than the loop.
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias (rejection sampling). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new ArgumentError(
        'Rng.nextInt',
        `Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`,
      );
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A standard normal sample (Box-Muller; one sample per two uniforms, so the state stays 4 words). */
  nextNormal(): number {
    const u = 1 - this.nextFloat(); // (0, 1]: log(u) is finite
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function isUint32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < TWO_POW_32;
}
