// Shared by the benchmark drivers: the machine in one line, rewriting one section of BENCHMARKS.md,
// and running the PyTorch reference (benchmarks/pytorch/lesson.py).
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuName } from '@mnist-lab/backends';
import { kernelCachePath } from '@mnist-lab/backends/internal';
import { embeddedMnistDir } from '@mnist-lab/data/node';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every side of a benchmark (PyTorch, the notebook, mnist-lab) runs with OpenBLAS choosing as it
 * does on a machine with no `OPENBLAS_CORETYPE` set: some machines set one in their environment
 * (`Haswell` on an AVX-512 AMD EPYC, 1.6× slower products there than the kernels OpenBLAS and
 * mnist-lab choose themselves). Cleared here, before anything loads OpenBLAS, so that every child
 * inherits the same environment; `--keep-openblas-env` keeps it. The value cleared, if any.
 */
export const clearedCoreType = (() => {
  const set = process.env.OPENBLAS_CORETYPE;
  if (!set || process.argv.includes('--keep-openblas-env')) return undefined;
  delete process.env.OPENBLAS_CORETYPE;
  return set;
})();

/**
 * `Intel(R) Xeon(R) Processor, 2 cores, 8 GiB; Node v20.20.2; OpenBLAS kernels: SkylakeX (timed:
 * …)`, plus what the caller adds.
 */
export function machineLine(extra = []) {
  return [
    `${cpuName()}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}`,
    ...openBlasKernelLine(),
    ...extra,
  ].join('; ');
}

/** The OpenBLAS kernels this machine timed and chose (`@mnist-lab/backends`), if it has. */
function openBlasKernelLine() {
  const set = process.env.OPENBLAS_CORETYPE;
  if (set)
    return [
      `OpenBLAS kernels: ${set} (OPENBLAS_CORETYPE, set in this machine's environment and kept for every side)`,
    ];
  const cleared =
    clearedCoreType === undefined
      ? ''
      : `; OPENBLAS_CORETYPE=${clearedCoreType} in this machine's environment, cleared for every side`;
  try {
    // One entry per library setup; benchmarks run with the default one, the first timed.
    const entries = Object.values(JSON.parse(readFileSync(kernelCachePath(), 'utf8')));
    const { kernel, measurements } = entries[0];
    const timed = measurements.map((m) => `${m.kernel} ${m.gflops.toFixed(0)}`).join(', ');
    return [`OpenBLAS kernels: ${kernel} (timed here: ${timed} GFLOP/s${cleared})`];
  } catch {
    return cleared ? [`OpenBLAS kernels: chosen by each library${cleared}`] : [];
  }
}

/**
 * Replaces the section that starts with `heading` (up to the next `## `) in BENCHMARKS.md, or
 * appends it; written to a temporary file, then renamed.
 */
export function writeSection(heading, lines) {
  const path = join(root, 'BENCHMARKS.md');
  const text = readFileSync(path, 'utf8');
  const section = [heading, ...lines].join('\n');
  const start = text.indexOf(heading);
  const end = start < 0 ? -1 : text.indexOf('\n## ', start + heading.length);
  const updated =
    start < 0
      ? `${text.trimEnd()}\n\n${section}`
      : `${text.slice(0, start)}${section}${end < 0 ? '' : `\n${text.slice(end + 1)}`}`;
  writeFileSync(`${path}.tmp`, `${updated.trimEnd()}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** The Python with Debian's python3-torch (`PYTHON` overrides). */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** PyTorch's version, or undefined when PYTHON cannot import torch and torchvision. */
export function torchVersion() {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Arguments for PYTHON: the lesson's code on embedded MNIST, one JSON line per epoch. */
export function lessonPyArgs({ preset, epochs, seed, extra = [] }) {
  return [
    join(root, 'benchmarks/pytorch/lesson.py'),
    '--data',
    embeddedMnistDir(),
    '--preset',
    preset,
    '--epochs',
    String(epochs),
    '--seed',
    String(seed),
    '--json',
    ...extra,
  ];
}

/** With `--help` or `-h`, prints the comment at the top of the calling driver (its usage) and exits. */
export function usageOnHelp(moduleUrl) {
  const args = process.argv.slice(2);
  if (!args.includes('--help') && !args.includes('-h')) return;
  const text = readFileSync(new URL(moduleUrl), 'utf8');
  console.log(text.slice(0, text.indexOf('\nimport ')).replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}

/** The value after `--name` on the command line, or `fallback`. */
export function flag(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

/** One epoch of the lesson's ReLU network. */
export const EPOCH_STEPS = 1875;

/**
 * One epoch (or `steps` of it) of `mnist-lab train --json` on a backend, as a user runs it: the
 * lesson's ReLU network, seed 1, in `out`. Returns the exit status, stderr, and the run's `epoch`
 * and `done` events when it succeeded.
 */
export function trainEpoch({ backend, blas, fused, steps, out, env = process.env, timeout }) {
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'apps/cli/dist/cli.js'),
      ...['train', '--preset', 'relu', '--epochs', '1', '--seed', '1', '--backend', backend],
      ...(blas === undefined ? [] : ['--blas', blas]),
      ...(fused === undefined ? [] : ['--fused', fused]),
      ...['--json', '--out', out, '--force'],
      ...(steps < EPOCH_STEPS ? ['--train-size', String(steps * 32)] : []),
    ],
    { encoding: 'utf8', env, ...(timeout === undefined ? {} : { timeout }) },
  );
  if (r.status !== 0) return { status: r.status, stderr: r.stderr };
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return {
    status: 0,
    stderr: r.stderr,
    epoch: events.find((e) => e.event === 'epoch'),
    done: events.find((e) => e.event === 'done'),
  };
}
