// mnist-lab against PyTorch on the same machine, in one invocation: one epoch (1875 steps of 32) and
// the test evaluation of the lesson's ReLU + dropout network, for PyTorch with preloaded tensors on
// 1 thread (its OpenBLAS too) and with OpenBLAS on every core, as the notebook runs it, and for
// each mnist-lab backend.
// Prints the results and rewrites the "Measured by npm run bench:compare" section of BENCHMARKS.md.
// wasm runs three times: with its matrix products and SGD update on OpenBLAS (Node's default where
// OpenBLAS is installed), each step one fused kernel (the default) and unfused (`--fused off`), and
// as pure wasm (`--blas off`, what a browser runs: the fused step's products in wasm SIMD, tfjs's
// ops on XNNPACK); on more than one core, also fused with
// OpenBLAS on every core (MNIST_LAB_BLAS_THREADS, opt-in: it rounds differently from one thread).
// Peers: TensorFlow.js as its users write it (benchmarks/peers/tfjs-layers.mjs) and jax-js
// (benchmarks/peers/jax-js.mjs; --jax-steps N for fewer, extrapolated); --no-peers skips both.
// Run: npm run bench:compare [-- --backends wasm,cpu] [--cpu-steps 200] [--jax-steps N] [--no-peers] [--no-write]
//   [--keep-openblas-env]  keep an OPENBLAS_CORETYPE set in the environment (cleared by default, for
//                          every side: see benchmarks/shared.mjs)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeBackends } from '@mnist-lab/backends';
import * as tf from '@tensorflow/tfjs-core';
import { openBlasRate, simdRate, tfjsProductRate, torchProductRate } from './product-rates.mjs';
import {
  EPOCH_STEPS,
  torchVersion as findTorch,
  flag,
  lessonPyArgs,
  machineLine,
  PYTHON,
  root,
  trainEpoch,
  usageOnHelp,
  writeSection,
} from './shared.mjs';

usageOnHelp(import.meta.url);

const args = process.argv.slice(2);
const STEPS = EPOCH_STEPS;
const FLOPS_PER_STEP = 2 * 32 * (2 * (784 * 512 + 512 * 256 + 256 * 10) + (512 * 256 + 256 * 10));
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-bench-'));
const rows = [];

/**
 * A row of the table from one timed run: `trainSeconds` over `steps` steps and `seconds` with the
 * test evaluation. Fewer steps than an epoch: the epoch's time extrapolated, and no with-evaluation
 * time or accuracy (neither is after an epoch then).
 */
function row(name, { trainSeconds, steps, seconds, testAccuracy, maxRssMB }) {
  const whole = steps >= STEPS;
  return {
    name,
    msPerStep: (trainSeconds / steps) * 1000,
    epochSeconds: trainSeconds * (STEPS / steps),
    withEvalSeconds: whole ? seconds : undefined,
    accuracy: whole ? testAccuracy : undefined,
    maxRssMB,
    extrapolated: !whole,
    steps,
  };
}

function runTorch(label, extra) {
  const out = execFileSync(PYTHON, lessonPyArgs({ preset: 'relu', epochs: 1, seed: 1, extra }), {
    encoding: 'utf8',
  });
  return row(`PyTorch ${label}`, JSON.parse(out.trim().split('\n').at(-1)));
}

/** The variants of a backend to time: wasm with and without OpenBLAS, others once. */
const variants = (backend) =>
  backend === 'wasm'
    ? [
        {
          backend,
          blas: 'require',
          label: 'wasm + OpenBLAS (fused steps)',
          rate: 'wasm + OpenBLAS',
        },
        // Beside PyTorch's row on every core: OpenBLAS on every core too (opt-in: other roundings).
        ...(cpus().length > 1
          ? [
              {
                backend,
                blas: 'require',
                threads: cpus().length,
                label: `wasm + OpenBLAS (fused steps), ${cpus().length} threads (MNIST_LAB_BLAS_THREADS=${cpus().length})`,
              },
            ]
          : []),
        { backend, blas: 'require', fused: 'off', label: 'wasm + OpenBLAS, unfused (--fused off)' },
        {
          backend,
          blas: 'off',
          label: 'pure wasm, products in wasm SIMD (--blas off)',
          rate: 'pure wasm: XNNPACK',
        },
      ]
    : [{ backend, blas: 'auto', label: backend }];

function runOurs({ backend, blas, fused, threads, label }, steps) {
  const r = trainEpoch({
    backend,
    blas,
    fused,
    steps,
    out: join(work, `${backend}-${blas}-${fused}-${threads ?? 1}`),
    env: { ...process.env, MNIST_LAB_BLAS_THREADS: String(threads ?? 1) },
  });
  if (r.status !== 0) throw new Error(`mnist-lab train on ${backend} failed: ${r.stderr}`);
  return row(`mnist-lab ${label}`, {
    trainSeconds: r.epoch.seconds,
    steps,
    seconds: r.epoch.seconds + r.epoch.validationSeconds,
    testAccuracy: r.epoch.testAccuracy,
    maxRssMB: r.done.maxRssMB,
  });
}

/** A peer's epoch (benchmarks/peers/*.mjs), run in its own process: what a JavaScript user would pick instead. */
function runPeer(name, script, extra = []) {
  const out = execFileSync(
    process.execPath,
    [join(root, 'benchmarks', 'peers', script), ...extra],
    {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    },
  );
  return row(name, JSON.parse(out.trim().split('\n').at(-1)));
}

const torchVersion = findTorch();
if (torchVersion === undefined) {
  console.log(
    `PyTorch is missing (${PYTHON} cannot import torch and torchvision): install python3-torch python3-torchvision libopenblas0-pthread with apt-get. Skipping the PyTorch rows.`,
  );
} else {
  console.log(`PyTorch ${torchVersion}: one epoch, 1 thread, preloaded tensors...`);
  rows.push(runTorch('1 thread (OpenBLAS too), preloaded', ['--preload', '--threads', '1']));
  console.log('PyTorch: one epoch, preloaded, default threads...');
  rows.push(runTorch(`preloaded, default threads (${cpus().length}, OpenBLAS too)`, ['--preload']));
  console.log('PyTorch: one epoch as the notebook runs it (default threads, PIL DataLoader)...');
  rows.push(runTorch('as the notebook runs it', []));
}
const backends =
  flag('--backends', undefined)?.split(',') ??
  (await probeBackends()).filter((p) => p.available).map((p) => p.backend);
const cpuSteps = Number(flag('--cpu-steps', '200'));
const runs = [...new Set(backends)].flatMap(variants);
for (const run of runs) {
  const steps = run.backend === 'cpu' ? cpuSteps : STEPS;
  console.log(
    `mnist-lab ${run.label}: ${steps === STEPS ? 'one epoch' : `${steps} steps (extrapolated to an epoch)`}...`,
  );
  rows.push(runOurs(run, steps));
}
rmSync(work, { recursive: true, force: true });
if (!args.includes('--no-peers')) {
  console.log('peer: TensorFlow.js as its users write it (tf.layers + tf.train.momentum, wasm)...');
  rows.push(
    runPeer(
      'TensorFlow.js as its users write it (tf.layers, tf.train.momentum, wasm)',
      'tfjs-layers.mjs',
    ),
  );
  const jaxSteps = flag('--jax-steps', String(STEPS));
  console.log('peer: jax-js as its users write it (jit + valueAndGrad, wasm)...');
  rows.push(
    runPeer(
      'jax-js as its users write it (jit, valueAndGrad, SGD with momentum by hand, wasm)',
      'jax-js.mjs',
      ['--steps', jaxSteps],
    ),
  );
}

// PyTorch's fastest row (1 thread, or OpenBLAS on every core: whichever wins on this machine).
const best = rows
  .filter((r) => r.name.startsWith('PyTorch') && !r.name.includes('notebook'))
  .reduce((a, r) => (a === undefined || r.epochSeconds < a.epochSeconds ? r : a), undefined);
const rates = {};
// The same product through tfjs once per backend and BLAS mode (the fused step's products are
// cblas_sgemm calls on the heap: the "called directly" row is their rate).
for (const run of runs.filter((r) => r.fused === undefined && r.threads === undefined))
  rates[`mnist-lab ${run.rate ?? run.label}, through tfjs's BatchMatMul`] =
    await tfjsProductRate(run);
const simd = await simdRate();
if (simd !== undefined)
  rates["mnist-lab pure wasm: the fused step's own wasm SIMD products (no tfjs)"] = simd;
const direct = await openBlasRate(1);
if (direct !== undefined)
  rates['OpenBLAS called directly (cblas_sgemm, no tfjs), 1 thread'] = direct;
const everyCore = cpus().length > 1 ? await openBlasRate(cpus().length) : undefined;
if (everyCore !== undefined)
  rates[`OpenBLAS called directly, ${cpus().length} threads (MNIST_LAB_BLAS_THREADS)`] = everyCore;
if (torchVersion !== undefined) {
  rates['PyTorch, 1 thread'] = torchProductRate(1);
  rates[
    `PyTorch, torch.set_num_threads(1) only (OpenBLAS on its default ${cpus().length} threads)`
  ] = torchProductRate(undefined);
}

const machine = machineLine([
  ...(torchVersion ? [`PyTorch ${torchVersion} (Debian, OpenBLAS)`] : []),
  `tfjs ${tf.version_core}`,
]);
const fmt = (n, d = 2) => (n === undefined ? '—' : n.toFixed(d));
const table = [
  '| run | ms per step | s per epoch (1875 steps) | + test evaluation | ratio to the fastest PyTorch row | test accuracy after 1 epoch | peak RSS |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name}${r.extrapolated ? ` (${r.steps ?? cpuSteps} steps, extrapolated)` : ''} | ${fmt(r.msPerStep)} | ${fmt(r.epochSeconds, 1)} | ${fmt(r.withEvalSeconds, 1)} | ${best ? `${fmt(r.epochSeconds / best.epochSeconds)}×` : '—'} | ${r.accuracy === undefined ? '—' : `${fmt(r.accuracy * 100)} %`} | ${fmt(r.maxRssMB, 0)} MB |`,
  ),
];
const floor = Object.entries(rates).map(
  ([name, gflops]) =>
    `| ${name} | ${fmt(gflops, 1)} GFLOP/s | ${fmt((FLOPS_PER_STEP / (gflops * 1e9)) * 1000)} ms | ${fmt((FLOPS_PER_STEP * STEPS) / (gflops * 1e9), 1)} s |`,
);
const section = [
  '',
  `Machine: ${machine}. Generated ${new Date().toISOString().slice(0, 10)}.`,
  '',
  "One epoch of the lesson's ReLU + dropout network (batch 32, SGD lr 0.01 momentum 0.5, seed 1), then the test evaluation; each run in its own process, one after another.",
  '',
  ...table,
  '',
  `The physical floor: a training step is ${(FLOPS_PER_STEP / 1e6).toFixed(1)} MFLOP of matrix products (forward, weight gradients, and input gradients of layers 2 and 3), ${((FLOPS_PER_STEP * STEPS) / 1e9).toFixed(0)} GFLOP per epoch. At the rate each engine reaches on the biggest product of the step (32×784 by 784×512), that alone takes (dense: the pure-wasm step skips the zeros ReLU and dropout leave in its gradients, with the same bits, so it can run under its row's floor):`,
  '',
  '| engine | product rate | floor per step | floor per epoch |',
  '| --- | --- | --- | --- |',
  ...floor,
  '',
];
console.log(`\n${section.join('\n')}`);
if (!args.includes('--no-write')) {
  console.log(`${writeSection('## Measured by `npm run bench:compare`', section)} updated`);
}
