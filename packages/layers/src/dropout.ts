import { ArgumentError } from '@mnist-lab/errors';
import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { type ForwardOptions, Module } from './module';

/** Options of {@link Dropout}. */
export interface DropoutArgs {
  /** The generator for masks; share one across layers to have one seed drive them all. */
  readonly rng?: Rng;
}

/**
 * Inverted dropout, PyTorch's `F.dropout`: in training each element is zeroed with probability
 * `p` and the rest are scaled by `1/(1-p)`; in evaluation it is the identity. Masks come from a
 * seeded generator on the CPU, so the same seed drops the same units on every backend.
 */
export class Dropout extends Module {
  readonly p: number;
  readonly rng: Rng;

  constructor(p: number, args: DropoutArgs = {}) {
    super();
    if (!(typeof p === 'number' && p >= 0 && p < 1)) {
      throw new ArgumentError('Dropout', `Dropout: p must be a probability in [0, 1), got ${p}`);
    }
    this.p = p;
    this.rng = this.registerGenerator('generator', args.rng ?? new Rng(0));
  }

  forward(x: tf.Tensor, options: ForwardOptions): tf.Tensor {
    if (!options.training || this.p === 0) return tf.clone(x);
    return tf.tidy(() =>
      tf.mul(x, tf.tensor(dropoutMask(x.size, this.p, this.rng), x.shape, 'float32')),
    );
  }
}

/** The random bits of the last mask, reused: a fresh buffer per mask cost more than drawing it. */
let bitScratch = new Uint32Array(0);

/**
 * A mask of `size` elements: 0 with probability `p` (to within 2⁻³², one 32-bit draw per
 * element), else `1/(1-p)` (float32).
 */
export function dropoutMask(size: number, p: number, rng: Rng): Float32Array {
  if (bitScratch.length < size) bitScratch = new Uint32Array(size);
  const bits = rng.fillUint32(bitScratch.subarray(0, size));
  // The test `bits[i] < threshold`, done on the signed view with both sides shifted by 2³¹, picks
  // one of two values by index: a branch on random bits mispredicts half the time (three times
  // slower in V8 here; the masks are the same).
  const signed = new Int32Array(bits.buffer, bits.byteOffset, size);
  const mask = new Float32Array(size);
  const threshold = Math.round(p * 2 ** 32) - 2 ** 31;
  const values = new Float32Array([0, 1 / (1 - p)]);
  for (let i = 0; i < size; i++) {
    mask[i] = values[+(((signed[i] as number) ^ -0x80000000) >= threshold)] as number;
  }
  return mask;
}
