// The GPU paths side by side, on this machine: one epoch (or --steps N, extrapolated) of the
// lesson's ReLU + dropout network on each GPU path there is, through the same CLI a user runs:
// - WebGPU through Dawn (the `webgpu` package) on a hardware adapter; with --swiftshader (or
//   VK_ICD_FILENAMES set) on Chromium's SwiftShader, a software adapter, to prove the path works;
// - TensorFlow's CUDA build (@tensorflow/tfjs-node-gpu), where it is installed;
// - PyTorch on CUDA (benchmarks/pytorch/lesson.py --preload --on-device: tensors kept on the GPU);
// and, for scale, mnist-lab's default CPU path (wasm + OpenBLAS). A path that is not here says why.
// Rewrites the "GPU" section of BENCHMARKS.md unless --no-write.
// Run: npm run bench:gpu [-- --steps 1875] [--swiftshader] [--no-write]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EPOCH_STEPS,
  torchVersion as findTorch,
  flag,
  lessonPyArgs,
  machineLine,
  PYTHON,
  trainEpoch,
  usageOnHelp,
  writeSection,
} from './shared.mjs';

usageOnHelp(import.meta.url);
const args = process.argv.slice(2);
const STEPS = EPOCH_STEPS;
const steps = Number(flag('--steps', String(STEPS)));
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env = { ...process.env };
if (args.includes('--swiftshader') && !env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER))
  env.VK_ICD_FILENAMES = SWIFTSHADER;
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-gpu-'));
const gpu = spawnSync(
  'nvidia-smi',
  ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
  {
    encoding: 'utf8',
  },
);
const gpuName = gpu.status === 0 ? gpu.stdout.trim().split('\n')[0] : undefined;

/** A message's first clause (up to its first `; `), at most 160 characters: a table cell. */
function firstClause(text) {
  const clause = text.replace(/^mnist-lab: /, '').split('; ')[0] ?? '';
  return clause.length > 160 ? `${clause.slice(0, 159)}…` : clause;
}

/** One epoch (or `steps`, extrapolated) of `mnist-lab train` on a backend: a row, or why not. */
function ours(label, backend, n) {
  const r = trainEpoch({ backend, steps: n, out: join(work, backend), env, timeout: 3_600_000 });
  if (r.status !== 0)
    return { label, missing: firstClause(r.stderr.trim().split('\n').at(-1) ?? '') };
  const backendLine = r.stderr.split('\n').find((l) => l.startsWith('backend:')) ?? '';
  return {
    label,
    // The backend line's first part: the device; how the products were chosen is in `backends`.
    device: firstClause(backendLine.replace(/^backend: /, '')),
    msPerStep: (r.epoch.seconds / n) * 1000,
    epochSeconds: (r.epoch.seconds * STEPS) / n,
    accuracy: n < STEPS ? undefined : r.epoch.testAccuracy,
    extrapolated: n < STEPS,
    maxRssMB: r.done?.maxRssMB,
  };
}

function torchCuda() {
  const version = findTorch();
  if (version === undefined)
    return { label: 'PyTorch on CUDA', missing: `${PYTHON} cannot import torch` };
  const cuda = spawnSync(PYTHON, ['-c', 'import torch; print(torch.cuda.is_available())'], {
    encoding: 'utf8',
  });
  if (cuda.stdout.trim() !== 'True')
    return {
      label: `PyTorch ${version} on CUDA`,
      missing: 'torch.cuda.is_available() is False (no CUDA GPU, or a CPU-only build)',
    };
  const r = spawnSync(
    PYTHON,
    lessonPyArgs({ preset: 'relu', epochs: 1, seed: 1, extra: ['--preload', '--on-device'] }),
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    return { label: `PyTorch ${version} on CUDA`, missing: r.stderr.trim().split('\n').at(-1) };
  const e = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return {
    label: `PyTorch ${version} on CUDA (tensors on the GPU)`,
    device: e.gpu,
    msPerStep: (e.trainSeconds / e.steps) * 1000,
    epochSeconds: e.trainSeconds,
    accuracy: e.testAccuracy,
    extrapolated: false,
    maxRssMB: e.maxRssMB,
  };
}

const rows = [];
const software = Boolean(env.VK_ICD_FILENAMES?.includes('swiftshader')) && gpuName === undefined;
console.log('WebGPU through Dawn...');
rows.push(ours('mnist-lab, WebGPU (Dawn)', 'webgpu', software ? Math.min(steps, 50) : steps));
console.log('TensorFlow CUDA (tfjs-node-gpu)...');
rows.push(ours('mnist-lab, TensorFlow CUDA (tfjs-node-gpu)', 'tensorflow', steps));
console.log('PyTorch on CUDA...');
rows.push(torchCuda());
console.log('the CPU path, for scale...');
rows.push(ours('mnist-lab, wasm + OpenBLAS (CPU, for scale)', 'wasm', steps));
rmSync(work, { recursive: true, force: true });

const fmt = (n, d = 2) => (n === undefined ? '—' : n.toFixed(d));
const lines = [
  '',
  `Machine: ${machineLine([`GPU: ${gpuName ?? 'none (nvidia-smi finds no NVIDIA GPU)'}`])}. Generated ${new Date().toISOString().slice(0, 10)} by \`npm run bench:gpu${args.length ? ` -- ${args.join(' ')}` : ''}\`.`,
  '',
  gpuName === undefined
    ? "**No hardware GPU on this machine: the GPU figures are still to be measured.** This run proves the paths work; its WebGPU row is Chromium's SwiftShader (a GPU emulated on the CPU), extrapolated from 50 steps, and says nothing of a real GPU."
    : `On ${gpuName}.`,
  '',
  '| path | device | ms per step | s per epoch (1875 steps) | test accuracy after 1 epoch | peak RSS |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    r.missing !== undefined
      ? `| ${r.label} | not here: ${r.missing.replaceAll('|', '/')} | — | — | — | — |`
      : `| ${r.label}${r.extrapolated ? ' (extrapolated)' : ''} | ${r.device} | ${fmt(r.msPerStep)} | ${fmt(r.epochSeconds, 1)} | ${r.accuracy === undefined ? '—' : `${fmt(r.accuracy * 100)} %`} | ${fmt(r.maxRssMB, 0)} MB |`,
  ),
  '',
];
console.log(lines.join('\n'));
if (!args.includes('--no-write'))
  console.log(`wrote ${writeSection('## GPU (`npm run bench:gpu`)', lines)}`);
