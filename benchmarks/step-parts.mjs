// Where a training step of `mnist-lab train` goes, from V8's CPU profile of one real epoch (not a
// timer around each part, which would change what it measures): microseconds per step in the
// training loop, the kernel, its products, the dropout masks, the batches and the metrics. The
// profiler itself adds some time to every part; compare parts within one run.
// Run: node benchmarks/step-parts.mjs [--preset relu|sigmoid|bn|he] [--blas auto|off] [--fused auto|off]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, machineLine, root, usageOnHelp } from './shared.mjs';

usageOnHelp(import.meta.url);

const preset = flag('--preset', 'relu');
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-step-parts-'));
const run = spawnSync(
  process.execPath,
  [
    '--cpu-prof',
    `--cpu-prof-dir=${work}`,
    join(root, 'apps/cli/dist/cli.js'),
    'train',
    ...['--preset', preset, '--epochs', '1', '--out', join(work, 'run'), '--json'],
    ...['--blas', flag('--blas', 'auto'), '--fused', flag('--fused', 'auto')],
  ],
  { encoding: 'utf8' },
);
if (run.status !== 0) throw new Error(`mnist-lab train failed: ${run.stderr}`);
const steps = 1875;
const file = readdirSync(work).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(work, file), 'utf8'));
rmSync(work, { recursive: true, force: true });

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const own = new Map();
profile.samples.forEach((id, i) => {
  own.set(id, (own.get(id) ?? 0) + profile.timeDeltas[i]);
});
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Microseconds per step in samples whose stack holds a function named `name` (counted once). */
function inside(name) {
  let total = 0;
  for (const [id, t] of own) {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      if (nodes.get(at).callFrame.functionName === name) {
        total += t;
        break;
      }
    }
  }
  return total / steps;
}

const parts = [
  ['the training loop (fit, per step)', 'trainEpoch'],
  ['  a step: the kernel (or tfjs ops) and its inputs', 'step'],
  ['    matrix products (OpenBLAS sgemm)', 'sgemm'],
  ['    dropout masks drawn (random words)', 'drawMaskBits'],
  ['    dropout masks drawn (float masks, unfused)', 'dropoutMask'],
  ['  the next batch (bytes to floats, tensors)', 'makeBatch'],
  ['  the running loss and accuracy', 'record'],
  ['  reading them back (every report)', 'check'],
];
console.log(machineLine());
console.log(
  `mnist-lab train --preset ${preset}, one epoch, CPU profile: µs per step (${steps} steps)`,
);
for (const [label, name] of parts) {
  const us = inside(name);
  if (us >= 0.5) console.log(`${label.padEnd(52)} ${us.toFixed(0).padStart(6)}`);
}
