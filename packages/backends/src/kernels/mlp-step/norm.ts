// Batch normalization inside the whole-step kernel (`kernels/mlp-step/kernel.ts`): PyTorch's
// `BatchNorm1d` in training mode, forward and closed-form backward, as passes over heap buffers.

/** One normalized layer's state on the heap, updated in place by the passes below. */
export interface NormState {
  /** γ and β, and their momentum velocities. */
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly gammaVelocity: Float32Array;
  readonly betaVelocity: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
}

/** What the forward pass keeps for the backward one: `x̂` `[batch, n]`, `1/σ` `[n]`, and the means. */
export interface NormSaved {
  readonly xHat: Float32Array;
  readonly invStd: Float32Array;
  readonly mean: Float32Array;
}

/**
 * Per feature, from the float64 sums of squared deviations `sq`: the running statistics moved as
 * PyTorch moves them (`r ← (1 − m)·r + m·s`, the variance unbiased by `batch/(batch − 1)`), and
 * `invStd ← 1/√(var + eps)` in float32.
 */
export function updateStats(
  sq: Float64Array,
  mean: Float32Array,
  batch: number,
  norm: NormState,
  invStd: Float32Array,
  eps: number,
  momentum: number,
): void {
  const keep = Math.fround(1 - momentum);
  const { runningMean, runningVar } = norm;
  for (let j = 0; j < mean.length; j++) {
    const variance = Math.fround((sq[j] as number) / batch);
    const unbiased = Math.fround((variance * batch) / (batch - 1));
    runningMean[j] = Math.fround(
      keep * (runningMean[j] as number) + momentum * (mean[j] as number),
    );
    runningVar[j] = Math.fround(keep * (runningVar[j] as number) + momentum * unbiased);
    invStd[j] = 1 / Math.sqrt(variance + eps);
  }
}

/** γ and β's momentum step (`v ← g + μ·v; p ← p + c·v`) from `sums`: `dβ = sums[0..n)`, `dγ = sums[n..2n)`. */
export function normParamStep(sums: Float64Array, norm: NormState, m: number, c: number): void {
  const { gamma, beta, gammaVelocity, betaVelocity } = norm;
  const n = gamma.length;
  for (let j = 0; j < n; j++) {
    const vb = Math.fround(m * (betaVelocity[j] as number) + (sums[j] as number));
    const vg = Math.fround(m * (gammaVelocity[j] as number) + (sums[n + j] as number));
    betaVelocity[j] = vb;
    gammaVelocity[j] = vg;
    beta[j] = Math.fround((beta[j] as number) + c * vb);
    gamma[j] = Math.fround((gamma[j] as number) + c * vg);
  }
}

/**
 * In one layer's product `out` `[batch, n]`: `z = out + b`, its batch mean and biased variance per
 * feature (two passes, summed in float64), `x̂ = (z − mean)/σ` into `saved.xHat` and
 * `γ·x̂ + β` back into `out`. The running statistics move as PyTorch moves them
 * (`r ← (1 − m)·r + m·s`, the variance unbiased by `batch/(batch − 1)`).
 */
export function normForward(
  out: Float32Array,
  b: Float32Array,
  norm: NormState,
  saved: NormSaved,
  sums: Float64Array,
  eps: number,
  momentum: number,
): void {
  const n = b.length;
  const batch = out.length / n;
  sums.fill(0);
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0; j < n; j++) {
      const z = Math.fround((out[o + j] as number) + (b[j] as number));
      out[o + j] = z;
      sums[j] = (sums[j] as number) + z;
    }
  }
  const { mean, xHat, invStd } = saved;
  for (let j = 0; j < n; j++) mean[j] = (sums[j] as number) / batch;
  sums.fill(0);
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0; j < n; j++) {
      const d = (out[o + j] as number) - (mean[j] as number);
      sums[j] = (sums[j] as number) + d * d;
    }
  }
  updateStats(sums, mean, batch, norm, invStd, eps, momentum);
  const { gamma, beta } = norm;
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0; j < n; j++) {
      const h = Math.fround(((out[o + j] as number) - (mean[j] as number)) * (invStd[j] as number));
      xHat[o + j] = h;
      out[o + j] = Math.fround((gamma[j] as number) * h + (beta[j] as number));
    }
  }
}

/**
 * From `dy` `[batch, n]`, the gradient at the normalized layer's output (after the activation's
 * factor), in place: `dz = γ/(σ·N) · (N·dy − Σdy − x̂·Σ(dy·x̂))`, the gradient at the product plus
 * bias. Then γ and β take their momentum step (`v ← g + μ·v; p ← p + c·v`) with `dγ = Σdy·x̂` and
 * `dβ = Σdy`, after their old γ was used. `sums` holds `2n` float64 values.
 */
export function normBackward(
  dy: Float32Array,
  saved: NormSaved,
  norm: NormState,
  sums: Float64Array,
  m: number,
  c: number,
): void {
  const { xHat, invStd } = saved;
  const { gamma } = norm;
  const n = gamma.length;
  const batch = dy.length / n;
  sums.fill(0);
  for (let o = 0; o < dy.length; o += n) {
    for (let j = 0; j < n; j++) {
      const d = dy[o + j] as number;
      sums[j] = (sums[j] as number) + d;
      sums[n + j] = (sums[n + j] as number) + d * (xHat[o + j] as number);
    }
  }
  for (let o = 0; o < dy.length; o += n) {
    for (let j = 0; j < n; j++) {
      const scale = ((gamma[j] as number) * (invStd[j] as number)) / batch;
      const inner =
        batch * (dy[o + j] as number) -
        (sums[j] as number) -
        (xHat[o + j] as number) * (sums[n + j] as number);
      dy[o + j] = scale * inner;
    }
  }
  normParamStep(sums, norm, m, c);
}
