import type { OpenBlasInfo } from './openblas';
import type { KernelChoice } from './openblas-kernel';
import type { BlasThreadsChoice } from './openblas-threads';

/** Whether the chosen kernel was the fastest timed, or kept because none beat it by 10 %. */
function kernelVerdict(choice: KernelChoice): string {
  const best = Math.max(...choice.measurements.map((m) => m.gflops));
  const chosen = choice.measurements.find((m) => m.kernel === choice.kernel)?.gflops ?? 0;
  return chosen >= best ? 'the fastest' : 'none 10 % faster than the one the CPU flags name';
}

/**
 * `OpenBLAS (OpenBLAS 0.3.21, SkylakeX kernels, timed on this CPU: OpenBLAS's own 81, SkylakeX 85,
 * Haswell 89, Zen 78 GFLOP/s, none 10 % faster than the one the CPU flags name, 1 thread)`.
 */
export function describeOpenBlas(blas: OpenBlasInfo, threads: BlasThreadsChoice): string {
  const choice = blas.kernelChoice;
  const timed = (choice?.measurements ?? [])
    .map((m) => `${m.kernel === 'openblas' ? "OpenBLAS's own" : m.kernel} ${m.gflops.toFixed(0)}`)
    .join(', ');
  const kernels =
    choice === undefined
      ? `${blas.coreName} kernels${process.env.OPENBLAS_CORETYPE ? ' (OPENBLAS_CORETYPE)' : ''}`
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
