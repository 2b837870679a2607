import type { KernelChoice } from './kernel';
import type { OpenBlasInfo } from './openblas';
import type { BlasThreadsChoice } from './threads';

/** Whether the chosen kernel was the fastest timed, or kept because none beat it by 10 %. */
function kernelVerdict(choice: KernelChoice): string {
  const best = Math.max(...choice.measurements.map((m) => m.gflops));
  const chosen = choice.measurements.find((m) => m.kernel === choice.kernel)?.gflops ?? 0;
  return chosen >= best ? 'the fastest' : 'none 10 % faster than the one the CPU flags name';
}

const kernelLabel = (kernel: string) => (kernel === 'openblas' ? "OpenBLAS's own" : kernel);

/**
 * `OPENBLAS_CORETYPE=Haswell, set in the environment; timed here: SkylakeX 158, Haswell 100 GFLOP/s:
 * unset it for SkylakeX, 1.6× as fast here`: the environment's kernel, against what this machine
 * measured before.
 */
export function environmentVerdict(choice: KernelChoice): string {
  const set = `OPENBLAS_CORETYPE=${choice.kernel}, set in the environment`;
  if (choice.measurements.length === 0)
    return `${set}; not timed against the others: mnist-lab backends times them`;
  const timed = choice.measurements
    .map((m) => `${kernelLabel(m.kernel)} ${m.gflops.toFixed(0)}`)
    .join(', ');
  const best = choice.measurements.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const own = choice.measurements.find(
    (m) => m.kernel.toLowerCase() === String(choice.kernel).toLowerCase(),
  );
  const advice =
    own !== undefined && best.gflops > own.gflops * 1.1
      ? `: unset it for ${kernelLabel(best.kernel)}, ${(best.gflops / own.gflops).toFixed(1)}× as fast here`
      : '';
  return `${set}; timed here: ${timed} GFLOP/s${advice}`;
}

/** `OpenBLAS 0.3.21, SkylakeX kernels, 1 thread`: {@link describeOpenBlas} without the timings. */
export function summarizeOpenBlas(blas: OpenBlasInfo, threads: BlasThreadsChoice): string {
  const forced = blas.kernelChoice?.source === 'environment' ? ' (OPENBLAS_CORETYPE)' : '';
  const n = threads.threads;
  return `${blas.config.split(' ').slice(0, 2).join(' ')}, ${blas.coreName} kernels${forced}, ${n} thread${n === 1 ? '' : 's'}`;
}

/**
 * `OpenBLAS (OpenBLAS 0.3.21, SkylakeX kernels, timed on this CPU: OpenBLAS's own 81, SkylakeX 85,
 * Haswell 89, Zen 78 GFLOP/s, none 10 % faster than the one the CPU flags name, 1 thread)`.
 */
export function describeOpenBlas(blas: OpenBlasInfo, threads: BlasThreadsChoice): string {
  const choice = blas.kernelChoice;
  const timed = (choice?.measurements ?? [])
    .map((m) => `${kernelLabel(m.kernel)} ${m.gflops.toFixed(0)}`)
    .join(', ');
  const kernels =
    choice === undefined
      ? `${blas.coreName} kernels`
      : choice.source === 'environment'
        ? `${blas.coreName} kernels (${environmentVerdict(choice)})`
        : choice.source === 'forced'
          ? `${blas.coreName} kernels (MNIST_LAB_OPENBLAS_KERNEL)`
          : `${blas.coreName} kernels, timed on this CPU${choice.source === 'cached' ? ' (kept from the first run)' : ''}: ${timed} GFLOP/s, ${kernelVerdict(choice)}`;
  const count = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
  const timedThreads =
    threads.measurements === undefined
      ? ''
      : ` (timed: ${threads.measurements.map((m) => `${count(m.threads)} ${m.gflops.toFixed(0)}`).join(', ')} GFLOP/s)`;
  return `OpenBLAS (${blas.config.split(' ').slice(0, 2).join(' ')}, ${kernels}, ${count(threads.threads)}${timedThreads})`;
}
