// The element-wise passes of the whole-step kernel (`kernels/mlp-step/kernel.ts`) and its scratch buffers.

/** Buffers outside the wasm heap, reused from step to step and grown as needed. */
export class Scratch {
  private readonly buffers = new Map<string, Float32Array>();
  private sumBuffer = new Float64Array(0);
  private expBuffer = new Float64Array(0);

  get(name: string, length: number): Float32Array {
    let b = this.buffers.get(name);
    if (b === undefined || b.length < length) {
      b = new Float32Array(length);
      this.buffers.set(name, b);
    }
    return b.subarray(0, length);
  }

  /** A float64 buffer of `length` for one row's exponentials. */
  exps(length: number): Float64Array {
    if (this.expBuffer.length < length) this.expBuffer = new Float64Array(length);
    return this.expBuffer.subarray(0, length);
  }

  /** A float64 buffer of `length` for column sums. */
  sums(length: number): Float64Array {
    if (this.sumBuffer.length < length) this.sumBuffer = new Float64Array(length);
    return this.sumBuffer.subarray(0, length);
  }
}

/** Cross-entropy of `scores` `[batch, classes]` at `labels`: the mean loss, the correct count, and the gradient at the scores into `grad` (`exps` holds a row's exponentials). */
export function crossEntropyGrad(
  scores: Float32Array,
  labels: Float32Array | Int32Array,
  classes: number,
  grad: Float32Array,
  exps: Float64Array,
): { loss: number; correct: number } {
  const batch = labels.length;
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * classes;
    let max = -Infinity;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const s = scores[o + c] as number;
      if (s > max) {
        max = s;
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp((scores[o + c] as number) - max);
      exps[c] = e;
      sum += e;
    }
    const label = labels[r] as number;
    loss += Math.log(sum) - ((scores[o + label] as number) - max);
    if (best === label && Number.isFinite(max)) correct++;
    for (let c = 0; c < classes; c++) {
      const p = (exps[c] as number) / sum;
      grad[o + c] = (p - (c === label ? 1 : 0)) / batch;
    }
  }
  return { loss: loss / batch, correct };
}

/** 0 and 1, picked by index: a branch on the sign of each unit mispredicts about half the time. */
const STEP = new Float32Array([0, 1]);

/**
 * After a layer's product `out = h·Wᵀ` (`n` columns), in one pass over `out`: `z = out + b` (or
 * `out` itself without `b`: a batch norm added it), the layer's output after the activation and
 * dropout (into `out`, in place) and what the backward pass multiplies its gradient by,
 * `mask · act'(z)` (into `factor`). The last layer only adds its bias.
 */
export function activate(
  out: Float32Array,
  n: number,
  b: Float32Array | undefined,
  mask: Float32Array | undefined,
  factor: Float32Array,
  activation: 'relu' | 'sigmoid' | 'none',
): void {
  const rows = out.length / n;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let c = 0; c < n; c++) {
      const v = out[o + c] as number;
      const z = b === undefined ? v : Math.fround(v + (b[c] as number));
      const m = mask === undefined ? 1 : (mask[o + c] as number);
      if (activation === 'none') out[o + c] = z;
      else if (activation === 'relu') {
        out[o + c] = Math.max(z, 0) * m;
        factor[o + c] = m * (STEP[+(z > 0)] as number);
      } else {
        const a = Math.fround(1 / (1 + Math.exp(-z)));
        out[o + c] = a * m;
        factor[o + c] = m * Math.fround(a * Math.fround(1 - a));
      }
    }
  }
}

/** The column sums of `dz` (`[rows, sums.length]`) into `sums`, each in float64 from the first row down. */
export function columnSums(dz: Float32Array, sums: Float64Array): Float64Array {
  const n = sums.length;
  sums.fill(0);
  for (let o = 0; o < dz.length; o += n) {
    for (let j = 0; j < n; j++) sums[j] = (sums[j] as number) + (dz[o + j] as number);
  }
  return sums;
}

/** `v ← Σ_rows dz + μ·v; b ← b − lr·v` for a bias from its gradient's column `sums`, rounded once to float32. */
export function biasUpdate(
  sums: Float64Array,
  v: Float32Array,
  b: Float32Array,
  m: number,
  c: number,
): void {
  const n = b.length;
  for (let j = 0; j < n; j++) {
    const vj = Math.fround(m * (v[j] as number) + (sums[j] as number));
    v[j] = vj;
    b[j] = Math.fround((b[j] as number) + c * vj);
  }
}

/**
 * A dropout mask from random words (`Int32Array` over the unsigned words) into `mask`: `keep` where
 * a word, unsigned, is at least `threshold`, else 0 (`dropoutMask`'s rule in `@mnist-lab/layers`).
 */
export function maskFromWords(
  words: Int32Array,
  threshold: number,
  keep: number,
  mask: Float32Array,
): Float32Array {
  // Compared as signed numbers, both sides shifted by 2³¹: no unsigned (double) values in the loop,
  // and no branch (random words mispredict half the time).
  const shifted = threshold - 2 ** 31;
  const values = new Float32Array([0, keep]);
  for (let i = 0; i < words.length; i++) {
    mask[i] = values[+(((words[i] as number) ^ -0x80000000) >= shifted)] as number;
  }
  return mask;
}
