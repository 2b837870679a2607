// The child `chooseKernel` runs once per candidate kernel: opens OpenBLAS with the kernel named in
// MNIST_LAB_OPENBLAS_KERNEL, times the lesson step's products and prints
// `{"coreName":…,"gflops":…}`. Not part of the API.

import { STEP_PRODUCTS } from './kernel';
import { loadOpenBlas } from './openblas';

const blas = await loadOpenBlas();
const cases = STEP_PRODUCTS.map(([transA, transB, m, n, k]) => ({
  transA,
  transB,
  m,
  n,
  k,
  a: Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)),
  b: Float32Array.from({ length: k * n }, (_, i) => Math.cos(i)),
  c: new Float32Array(m * n),
}));
const run = () => {
  for (const { transA, transB, m, n, k, a, b, c } of cases)
    blas.sgemm(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, c, n);
};
for (let i = 0; i < 20; i++) run();
// About a tenth of a second per kernel: the best of five rounds.
let best = Number.POSITIVE_INFINITY;
const reps = 25;
for (let round = 0; round < 5; round++) {
  const start = performance.now();
  for (let i = 0; i < reps; i++) run();
  best = Math.min(best, (performance.now() - start) / reps);
}
const flops = cases.reduce((s, { m, n, k }) => s + 2 * m * n * k, 0);
console.log(JSON.stringify({ coreName: blas.coreName, gflops: flops / best / 1e6 }));
