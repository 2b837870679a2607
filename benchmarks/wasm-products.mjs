// The pure-wasm training step's three largest products, as tfjs-wasm's BatchMatMul (XNNPACK, with
// this package's transposes) ran them inside the fused step until 2026-12-03 (a new weight tensor,
// so a new XNNPACK operator and packing, every step) and as this package's wasm SIMD kernels run
// them now (operands read in place on the heap), in one process, interleaved: the median of 5
// rounds of 100 calls each, in µs.
// Run: node benchmarks/wasm-products.mjs
import { initBackend } from '@mnist-lab/backends';
import { backendMemory, simdGemm } from '@mnist-lab/backends/internal';
import * as tf from '@tensorflow/tfjs-core';
import { machineLine, usageOnHelp } from './shared.mjs';

usageOnHelp(import.meta.url);
await initBackend({ prefer: 'wasm', blas: 'off' });
const be = tf.backend();
const g = simdGemm(backendMemory(be));
const at = (t) => be.dataIdMap.get(t.dataId).memoryOffset;
const bmm = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
const mm = (a, b, ta = false, tb = false) =>
  bmm({ inputs: { a, b }, backend: be, attrs: { transposeA: ta, transposeB: tb } });
const R = (s) => tf.randomUniform(s);
const [h, W1, dz1, W2, dz2, v1] = [
  R([32, 784]),
  R([512, 784]),
  R([32, 512]),
  R([256, 512]),
  R([32, 256]),
  R([512, 784]),
];
const ht = R([784, 32]),
  z = R([32, 512]),
  dh = R([32, 512]);
const cases = {
  'forward h·W1ᵀ (32×784 by 784×512)': [
    () => {
      const o = mm(h, W1, false, true);
      be.disposeData(o.dataId);
    },
    () => {
      g.panels(at(h), at(ht), 32, 784);
      g.gemmT(at(W1), at(ht), at(z), 512, 32, 784, 3136, 4, 32, 3136, 2048, 0);
    },
  ],
  'input gradient dz·W2 (32×256 by 256×512)': [
    () => {
      const w = tf.mul(W2, 1);
      const o = mm(dz2, w);
      be.disposeData(o.dataId);
      w.dispose();
    },
    () => {
      g.gemm(at(dz2), at(W2), at(dh), 32, 512, 256, 1024, 4, 2048, 4, 2048, 1);
    },
  ],
  'weight gradient dzᵀ·h (512×32 by 32×784; XNNPACK: the gradient alone, SIMD: with the momentum update)':
    [
      () => {
        const fresh = tf.mul(h, 1); // as each step's activations are
        const o = mm(dz1, fresh, true, false);
        be.disposeData(o.dataId);
        fresh.dispose();
      },
      () => {
        g.gemmUpdate(
          at(dz1),
          at(h),
          at(v1),
          512,
          784,
          32,
          4,
          2048,
          3136,
          4,
          3136,
          0,
          at(W1),
          0.5,
          -0.001,
        );
      },
    ],
};
const time = (fn, n) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t0) / n) * 1000;
};
console.log(machineLine());
console.log('| product | XNNPACK through BatchMatMul | wasm SIMD kernel |\n| --- | --- | --- |');
for (const [name, [xnn, simd]] of Object.entries(cases)) {
  for (let i = 0; i < 50; i++) {
    xnn();
    simd();
  }
  const a = [],
    b = [];
  for (let r = 0; r < 5; r++) {
    a.push(time(xnn, 100));
    b.push(time(simd, 100));
  }
  const med = (x) => x.sort((p, q) => p - q)[2].toFixed(0);
  console.log(`| ${name} | ${med(a)} µs | ${med(b)} µs |`);
}
{
  const tm = () => {
    const w = tf.mul(W2, 1);
    w.dispose();
  };
  for (let i = 0; i < 50; i++) tm();
  console.log(
    `(the XNNPACK rows of the two gradients include a new operand made by tf.mul: ${time(tm, 200).toFixed(0)} µs)`,
  );
}
