import { cpus } from 'node:os';
import type { Environment } from '../choose/environment';
import { BackendUnavailableError } from '../errors';
import type { OpenBlas } from './openblas';

/**
 * Threads for OpenBLAS: a number, or `auto`: 1 or every core, whichever is timed faster here. The
 * count is part of what a run's bits depend on: more than one thread rounds the products
 * differently from one (the same count, the same bits).
 */
export type BlasThreads = number | 'auto';

/** One thread count's rate on a lesson step's largest products. */
export interface BlasThreadsMeasurement {
  readonly threads: number;
  readonly gflops: number;
}

/** How many threads OpenBLAS computes with, and how that was decided. */
export interface BlasThreadsChoice {
  readonly threads: number;
  /** `given` (a number asked for), `timed` (`auto` with more than one core), `one core`. */
  readonly source: 'given' | 'timed' | 'one core';
  readonly measurements?: readonly BlasThreadsMeasurement[];
}

/** The environment variable that fixes the thread count where a caller does not. */
export const BLAS_THREADS_ENV = 'MNIST_LAB_BLAS_THREADS';

/**
 * The thread count asked for: `given` when there is one, else `MNIST_LAB_BLAS_THREADS`, else 1.
 * Anything but a positive integer or `auto` is refused, naming where it came from.
 */
export function blasThreadsWanted(
  given: BlasThreads | undefined,
  env: Environment = process.env,
): BlasThreads {
  const raw = given ?? env[BLAS_THREADS_ENV];
  if (raw === undefined || raw === '') return 1;
  const from =
    given === undefined ? `${BLAS_THREADS_ENV}=${String(raw)}` : `blasThreads ${String(raw)}`;
  if (raw === 'auto') return 'auto';
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new BackendUnavailableError(
      'wasm',
      `${from}: expected a whole number of threads from 1 to 1024, or auto`,
    );
  return n;
}

/** How much faster more threads must be than one to be used: less is noise or a busy machine. */
const MARGIN = 1.1;

/**
 * Sets OpenBLAS's threads as `wanted` says and returns the choice. `auto` times products shaped as a
 * lesson step's largest (32×784 by 784×512, and its weight gradient, 512×32 by 32×784) on 1 thread
 * and on every core, in interleaved rounds (about 50 ms), and keeps every core only where it is at
 * least 10 % faster. A process that shares the cores with others (`compare`'s runs) should be
 * given its share instead: timed alone, more threads win, and then fight the other processes.
 */
export function chooseBlasThreads(
  blas: OpenBlas,
  wanted: BlasThreads,
  cores: number = cpus().length,
): BlasThreadsChoice {
  if (wanted !== 'auto') return { threads: blas.setThreads(wanted), source: 'given' };
  if (cores <= 1) return { threads: blas.setThreads(1), source: 'one core' };
  const counts = [1, cores];
  const seconds = counts.map(() => Number.POSITIVE_INFINITY);
  const [m, k, n] = [32, 784, 512];
  const x = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const w = new Float32Array(n * k).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const out = new Float32Array(m * n);
  const grad = new Float32Array(n * k);
  const reps = 8;
  for (let round = 0; round < 6; round++) {
    counts.forEach((count, i) => {
      blas.setThreads(count);
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) {
        blas.sgemm(false, true, m, n, k, x, k, w, k, out, n);
        blas.sgemm(true, false, n, k, m, out, n, x, k, grad, k);
      }
      // The first round warms each count up (OpenBLAS starts its threads on first use).
      if (round > 0) seconds[i] = Math.min(seconds[i] as number, (performance.now() - t0) / 1000);
    });
  }
  const flops = reps * 2 * (2 * m * n * k);
  const measurements = counts.map((threads, i) => ({
    threads,
    gflops: flops / (seconds[i] as number) / 1e9,
  }));
  const [one, all] = measurements as [BlasThreadsMeasurement, BlasThreadsMeasurement];
  const threads = blas.setThreads(all.gflops >= MARGIN * one.gflops ? all.threads : 1);
  return { threads, source: 'timed', measurements };
}
