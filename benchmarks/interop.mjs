// Interop proof: a model trained by mnist-lab, loaded into the lesson's PyTorch Net, gets the same
// test accuracy there; a Net trained by PyTorch, evaluated by `mnist-lab evaluate --weights`, gets
// PyTorch's accuracy. Run: node benchmarks/interop.mjs [--preset bn]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedMnistDir } from '@mnist-lab/data/node';
import { usageOnHelp } from './shared.mjs';

usageOnHelp(import.meta.url);

const root = fileURLToPath(new URL('..', import.meta.url));
const preset = process.argv.includes('--preset')
  ? process.argv[process.argv.indexOf('--preset') + 1]
  : 'bn';
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const cli = join(root, 'apps/cli/dist/cli.js');
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-interop-'));
const json = (out) => JSON.parse(out.trim().split('\n').at(-1));
const python = (...args) =>
  json(
    execFileSync(
      PYTHON,
      [join(root, 'benchmarks/pytorch/interop.py'), ...args, '--data', embeddedMnistDir()],
      { encoding: 'utf8', cwd: join(root, 'benchmarks/pytorch') },
    ),
  );
const node = (...args) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

// mnist-lab → PyTorch
const trained = node(
  'train',
  '--preset',
  preset,
  '--epochs',
  '1',
  '--seed',
  '1',
  '--out',
  join(work, 'ours'),
  '--json',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .find((e) => e.event === 'epoch');
const inTorch = python(
  'evaluate',
  '--weights',
  join(work, 'ours', 'model.safetensors'),
  '--preset',
  preset,
);
// PyTorch → mnist-lab
const torchTrained = python('train', '--preset', preset, '--out', join(work, 'torch.safetensors'));
const inOurs = json(
  node('evaluate', '--weights', join(work, 'torch.safetensors'), '--preset', preset, '--json'),
);
rmSync(work, { recursive: true, force: true });

const rows = [
  [
    'mnist-lab → PyTorch',
    trained.testAccuracy,
    inTorch.testAccuracy,
    trained.lessonTestLoss,
    inTorch.lessonTestLoss,
  ],
  [
    'PyTorch → mnist-lab',
    torchTrained.testAccuracy,
    inOurs.testAccuracy,
    torchTrained.lessonTestLoss,
    inOurs.lessonTestLoss,
  ],
];
console.log(
  `| ${preset}: direction | accuracy where trained | accuracy where loaded | test loss where trained | where loaded |`,
);
console.log('| --- | --- | --- | --- | --- |');
for (const [name, a, b, la, lb] of rows)
  console.log(
    `| ${name} | ${(a * 100).toFixed(2)} % | ${(b * 100).toFixed(2)} % | ${la.toFixed(6)} | ${lb.toFixed(6)} |`,
  );
const ok = rows.every(([, a, b]) => Math.abs(a - b) <= 0.0001);
console.log(ok ? 'interop: the same accuracy to 0.01% in both directions' : 'interop: MISMATCH');
process.exitCode = ok ? 0 : 1;
