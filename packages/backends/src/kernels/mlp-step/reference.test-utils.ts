// The whole-step kernel's reference for its tests: one training step in float64, written out from
// the definitions (PyTorch's Linear, BatchNorm1d in training mode, cross-entropy, SGD + momentum).

export const LR = 0.05;
export const MOMENTUM = 0.5;
/** Batch norm's constants in the tests (PyTorch's `eps` default, a running-statistics momentum that is not). */
export const NORM_EPS = 1e-5;
export const NORM_MOMENTUM = 0.2;

/** A hidden layer's batch norm: γ, β, their velocities, the running mean and variance. */
export interface Norm {
  g: number[];
  be: number[];
  vg: number[];
  vbe: number[];
  rm: number[];
  rv: number[];
}

export interface Net {
  w: number[][]; // per layer, [out × in] row-major
  b: number[][];
  vw: number[][];
  vb: number[][];
  /** Per hidden layer with batch norm; empty without. */
  norms: Norm[];
}

/** A deterministic pseudo-random float in [-1, 1) (no tfjs: the reference owns its inputs). */
export function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  });
}

const scaled = (n: number, seed: number, k: number, add = 0) =>
  values(n, seed).map((v) => Math.fround(add + v * k));

export function makeNet(widths: number[], seed: number, batchNorm = false): Net {
  const net: Net = { w: [], b: [], vw: [], vb: [], norms: [] };
  for (let i = 0; i + 1 < widths.length; i++) {
    const [nIn, nOut] = [widths[i] as number, widths[i + 1] as number];
    net.w.push(scaled(nOut * nIn, seed + 10 * i, 0.5));
    net.b.push(scaled(nOut, seed + 10 * i + 1, 0.1));
    net.vw.push(scaled(nOut * nIn, seed + 10 * i + 2, 0.01));
    net.vb.push(scaled(nOut, seed + 10 * i + 3, 0.01));
    if (batchNorm && i + 2 < widths.length) {
      net.norms.push({
        g: scaled(nOut, seed + 10 * i + 4, 0.2, 1),
        be: scaled(nOut, seed + 10 * i + 5, 0.1),
        vg: scaled(nOut, seed + 10 * i + 6, 0.01),
        vbe: scaled(nOut, seed + 10 * i + 7, 0.01),
        rm: scaled(nOut, seed + 10 * i + 8, 0.1),
        rv: scaled(nOut, seed + 10 * i + 9, 0.2, 1),
      });
    }
  }
  return net;
}

const momentumStep = (p: number[], v: number[], j: number, g: number) => {
  v[j] = MOMENTUM * (v[j] as number) + g;
  p[j] = (p[j] as number) - LR * (v[j] as number);
};

/** Column `j`'s values of a `[rows, n]` row-major array. */
const column = (a: number[], n: number, j: number) => a.filter((_, k) => k % n === j);

/** Batch norm's forward on `z` `[batch, n]`: `γ·x̂ + β`, with `x̂` and `1/σ`; moves the running statistics. */
function normForward(norm: Norm, z: number[], n: number) {
  const batch = z.length / n;
  const xHat = z.map(() => 0);
  const invStd: number[] = [];
  for (let j = 0; j < n; j++) {
    const col = column(z, n, j);
    const mean = col.reduce((a, v) => a + v, 0) / batch;
    const variance = col.reduce((a, v) => a + (v - mean) ** 2, 0) / batch;
    invStd.push(1 / Math.sqrt(variance + NORM_EPS));
    norm.rm[j] = (1 - NORM_MOMENTUM) * (norm.rm[j] as number) + NORM_MOMENTUM * mean;
    const unbiased = (variance * batch) / (batch - 1);
    norm.rv[j] = (1 - NORM_MOMENTUM) * (norm.rv[j] as number) + NORM_MOMENTUM * unbiased;
    col.forEach((v, r) => {
      xHat[r * n + j] = (v - mean) * (invStd[j] as number);
    });
  }
  const y = xHat.map((h, k) => (norm.g[k % n] as number) * h + (norm.be[k % n] as number));
  return { y, xHat, invStd };
}

/** Batch norm's backward from `dy`: the gradient at its input; then γ and β take their step. */
function normBackward(norm: Norm, dy: number[], saved: { xHat: number[]; invStd: number[] }) {
  const n = norm.g.length;
  const batch = dy.length / n;
  const dBeta = Array.from({ length: n }, (_, j) => column(dy, n, j).reduce((a, v) => a + v, 0));
  const dGamma = Array.from({ length: n }, (_, j) =>
    column(dy, n, j).reduce((a, v, r) => a + v * (saved.xHat[r * n + j] as number), 0),
  );
  const dz = dy.map((d, k) => {
    const j = k % n;
    const scale = ((norm.g[j] as number) * (saved.invStd[j] as number)) / batch;
    return (
      scale * (batch * d - (dBeta[j] as number) - (saved.xHat[k] as number) * (dGamma[j] as number))
    );
  });
  for (let j = 0; j < n; j++) {
    momentumStep(norm.g, norm.vg, j, dGamma[j] as number);
    momentumStep(norm.be, norm.vbe, j, dBeta[j] as number);
  }
  return dz;
}

/** `h·Wᵀ + b` for layer `i`: `[batch, out]`. */
function linear(net: Net, i: number, h: number[], nIn: number, nOut: number): number[] {
  const batch = h.length / nIn;
  return Array.from({ length: batch * nOut }, (_, k) => {
    const [r, o] = [Math.floor(k / nOut), k % nOut];
    let s = net.b[i]?.[o] as number;
    for (let j = 0; j < nIn; j++)
      s += (h[r * nIn + j] as number) * (net.w[i]?.[o * nIn + j] as number);
    return s;
  });
}

/** Mean cross-entropy of softmax at `labels`, the correct count, and the gradient at the scores. */
function crossEntropy(scores: number[], labels: number[], classes: number) {
  const batch = labels.length;
  let loss = 0;
  let correct = 0;
  const dz = scores.map(() => 0);
  for (let r = 0; r < batch; r++) {
    const row = scores.slice(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    const y = labels[r] as number;
    loss += -(row[y] as number) + max + Math.log(sum);
    if (row.indexOf(max) === y) correct++;
    row.forEach((v, c) => {
      dz[r * classes + c] = (Math.exp(v - max) / sum - (c === y ? 1 : 0)) / batch;
    });
  }
  return { loss: loss / batch, correct, dz };
}

/** Layer `i`'s backward from `dz`: its weights and bias take their step; returns `dz·W` (old W). */
function linearBackward(net: Net, i: number, dz: number[], h: number[], nIn: number, nOut: number) {
  const batch = dz.length / nOut;
  const w = net.w[i] as number[];
  const dh = Array.from({ length: batch * nIn }, (_, k) => {
    const [r, j] = [Math.floor(k / nIn), k % nIn];
    let s = 0;
    for (let o = 0; o < nOut; o++) s += (dz[r * nOut + o] as number) * (w[o * nIn + j] as number);
    return s;
  });
  for (let o = 0; o < nOut; o++) {
    let gb = 0;
    for (let r = 0; r < batch; r++) gb += dz[r * nOut + o] as number;
    momentumStep(net.b[i] as number[], net.vb[i] as number[], o, gb);
    for (let j = 0; j < nIn; j++) {
      let g = 0;
      for (let r = 0; r < batch; r++)
        g += (dz[r * nOut + o] as number) * (h[r * nIn + j] as number);
      momentumStep(w, net.vw[i] as number[], o * nIn + j, g);
    }
  }
  return dh;
}

/**
 * One step in float64: forward (Linear → [batch norm] → activation → dropout per hidden layer),
 * mean cross-entropy of softmax, backpropagation, `v = μv + g; p -= lr·v`. Mutates `net`;
 * returns the loss and the correct count.
 */
export function referenceStep(
  net: Net,
  widths: number[],
  x: number[],
  labels: number[],
  masks: number[][],
  activation: 'relu' | 'sigmoid',
) {
  const L = net.w.length;
  const hs: number[][] = [x];
  const acts: number[][] = [];
  const saved: ReturnType<typeof normForward>[] = [];
  for (let i = 0; i < L; i++) {
    const z = linear(net, i, hs[i] as number[], widths[i] as number, widths[i + 1] as number);
    if (i === L - 1) {
      hs.push(z);
      break;
    }
    const norm = net.norms[i];
    const normed = norm === undefined ? undefined : normForward(norm, z, widths[i + 1] as number);
    if (normed !== undefined) saved.push(normed);
    const pre = normed?.y ?? z;
    const a = pre.map((v) => (activation === 'relu' ? Math.max(v, 0) : 1 / (1 + Math.exp(-v))));
    acts.push(a);
    hs.push(a.map((v, k) => v * (masks[i]?.[k] ?? 1)));
  }
  const result = crossEntropy(hs[L] as number[], labels, widths[L] as number);
  let dz = result.dz;
  for (let i = L - 1; i >= 0; i--) {
    const [nIn, nOut] = [widths[i] as number, widths[i + 1] as number];
    const dh = linearBackward(net, i, dz, hs[i] as number[], nIn, nOut);
    if (i === 0) break;
    const a = acts[i - 1] as number[];
    const dy = dh.map((d, k) => {
      const m = masks[i - 1]?.[k] ?? 1;
      const y = a[k] as number;
      return d * m * (activation === 'relu' ? (y > 0 ? 1 : 0) : y * (1 - y));
    });
    const norm = net.norms[i - 1];
    dz = norm === undefined ? dy : normBackward(norm, dy, saved[i - 1] as (typeof saved)[number]);
  }
  return { loss: result.loss, correct: result.correct };
}
