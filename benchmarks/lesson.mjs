// The whole lesson, end to end, against the notebook's own code on the same machine: mnist-lab's
// main job (`mnist-lab compare`: the lesson's 4 networks and a control × 10 epochs on full MNIST,
// evaluations after each epoch, report and charts; what `npm start` runs), again without the control
// (`--no-controls`), and the seed notebook's code as written (PyTorch, the
// per-image PIL DataLoader, default threads and environment) running the same four experiments one
// after another. Prints wall times and ratios; rewrites the "Measured by npm run bench:lesson"
// section of BENCHMARKS.md.
// Run: npm run bench:lesson [-- --xnnpack] [--coretype] [--epochs N] [--no-write]
//   --xnnpack   also time mnist-lab with pure-wasm matrix products (--blas off)
//   --coretype  also time the notebook with OpenBLAS told the CPU's kernels (OPENBLAS_CORETYPE)
//   --keep-openblas-env  keep an OPENBLAS_CORETYPE set in the environment (cleared by default, for
//                        both sides: see benchmarks/shared.mjs)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreTypeForFlags, cpuFlags } from '@mnist-lab/backends/internal';
import {
  torchVersion as findTorch,
  flag,
  lessonPyArgs,
  machineLine,
  PYTHON,
  root,
  usageOnHelp,
  writeSection,
} from './shared.mjs';

usageOnHelp(import.meta.url);

const args = process.argv.slice(2);
const epochs = Number(flag('--epochs', '10'));
const PRESETS = ['sigmoid', 'relu', 'bn', 'he'];
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-lesson-'));
const rows = [];

function timed(command, commandArgs, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(command, commandArgs, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    throw new Error(`${command} ${commandArgs.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return { seconds, stdout: r.stdout };
}

function ours(label, blas, extra = []) {
  console.log(`mnist-lab compare (${label})...`);
  const { seconds, stdout } = timed(process.execPath, [
    join(root, 'apps/cli/dist/cli.js'),
    'compare',
    '--epochs',
    String(epochs),
    '--blas',
    blas,
    '--out',
    join(work, blas),
    '--force',
    '--json',
    ...extra,
  ]);
  const events = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const finals = Object.fromEntries(
    PRESETS.map((p) => [
      p,
      events.filter((e) => e.event === 'epoch' && e.config === p && e.epoch === epochs).at(-1)
        ?.testAccuracy,
    ]),
  );
  rows.push({
    name: `mnist-lab compare${extra.length ? ` ${extra.join(' ')}` : ''}, ${label}`,
    seconds,
    finals,
  });
}

function notebook(label, env) {
  console.log(`the notebook's code as written (${label})...`);
  let seconds = 0;
  const finals = {};
  for (const preset of PRESETS) {
    const r = timed(PYTHON, lessonPyArgs({ preset, epochs, seed: 1 }), env);
    seconds += r.seconds;
    finals[preset] = JSON.parse(r.stdout.trim().split('\n').at(-1)).testAccuracy;
    console.log(`  ${preset}: ${r.seconds.toFixed(1)} s`);
  }
  rows.push({
    name: `PyTorch, the notebook's code as written${label ? `, ${label}` : ''}`,
    seconds,
    finals,
  });
}

ours('wasm + OpenBLAS (the default here)', 'require');
// The notebook's four networks without the control `compare` adds (still with its training-set
// evaluations): the work closest to the notebook's.
ours('wasm + OpenBLAS', 'require', ['--no-controls']);
if (args.includes('--xnnpack'))
  ours(
    "pure wasm (--blas off: the step's products in mnist-lab's wasm SIMD, XNNPACK for tfjs's ops)",
    'off',
  );
const torchVersion = findTorch();
if (torchVersion === undefined) {
  console.log(
    `PyTorch is missing (${PYTHON} cannot import torch and torchvision): install python3-torch python3-torchvision libopenblas0-pthread with apt-get. Skipping the notebook rows.`,
  );
} else {
  // The notebook as a user runs it: no environment of ours; OpenBLAS's as for mnist-lab (shared.mjs).
  notebook('', {});
  if (args.includes('--coretype')) {
    const coreType = coreTypeForFlags(cpuFlags());
    if (coreType) notebook(`OPENBLAS_CORETYPE=${coreType}`, { OPENBLAS_CORETYPE: coreType });
  }
}
rmSync(work, { recursive: true, force: true });

const reference = rows.find((r) => r.name === "PyTorch, the notebook's code as written");
const fmt = (n, d = 1) => (n === undefined ? '—' : n.toFixed(d));
const table = [
  `| run | wall time | ratio to the notebook as written | final test accuracy: ${PRESETS.join(' / ')} |`,
  '| --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.seconds)} s | ${reference ? `${fmt(r.seconds / reference.seconds, 2)}×` : '—'} | ${PRESETS.map((p) => (r.finals[p] === undefined ? '—' : fmt(r.finals[p] * 100, 2))).join(' / ')} |`,
  ),
];
const lines = [
  '',
  `Machine: ${machineLine(torchVersion ? [`PyTorch ${torchVersion} (Debian, OpenBLAS 0.3.21)`] : [])}. Generated ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `The whole lesson: its four networks × ${epochs} epochs on full MNIST with a test evaluation after every epoch, seed 1. mnist-lab runs its main job, \`mnist-lab compare\`, which does more: the four networks and the dropout claim's control (ReLU without dropout), each also evaluated on 10 000 training examples after every epoch, one process per network, balanced over the cores (\`balancedJobs\`: 3 at a time for 5 runs on 2 cores), then the report and charts; with \`--no-controls\`, the lesson's four networks only (two at a time on 2 cores), closer to the notebook's work. The notebook's code runs the four experiments one after another, as written (per-image PIL DataLoader, PyTorch's default threads, no environment of ours; both sides see the same OpenBLAS environment, as the machine line says); its time includes starting Python for each.`,
  '',
  ...table,
  '',
];
console.log(`\n${lines.join('\n')}`);
if (!args.includes('--no-write')) {
  console.log(`${writeSection('## Measured by `npm run bench:lesson`', lines)} updated`);
}
