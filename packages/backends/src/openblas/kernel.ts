import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../choose/environment';

/**
 * The lesson step's matrix products (batch 32, 784-512-256-10): a forward product, a weight
 * gradient and an input gradient, as `[transA, transB, m, n, k]`. What a kernel is timed on.
 */
export const STEP_PRODUCTS: readonly (readonly [boolean, boolean, number, number, number])[] = [
  [false, true, 32, 512, 784],
  [true, false, 512, 784, 32],
  [false, false, 32, 512, 256],
];

/** `openblas`: OpenBLAS's own choice from its CPU table; else an `OPENBLAS_CORETYPE` name. */
export type KernelName = 'openblas' | 'SkylakeX' | 'Haswell' | 'Zen';

/** One kernel, timed. */
export interface KernelMeasurement {
  readonly kernel: KernelName;
  /** The kernels OpenBLAS reported running (`openblas_get_corename()`). */
  readonly coreName: string;
  /** Over the lesson step's three matrix products; 0 where the kernel could not run. */
  readonly gflops: number;
}

/** How the kernel was chosen. */
export interface KernelChoice {
  /** What OpenBLAS was told; with `source` `environment`, whatever `OPENBLAS_CORETYPE` says. */
  readonly kernel: KernelName | (string & {});
  /**
   * `measured` now, `cached` from an earlier measurement on this machine, `forced` by
   * `MNIST_LAB_OPENBLAS_KERNEL`, or `environment`: `OPENBLAS_CORETYPE` was set, and wins (the
   * measurements are then those kept from an earlier timing here, if any).
   */
  readonly source: 'measured' | 'cached' | 'forced' | 'environment';
  readonly measurements: readonly KernelMeasurement[];
}

/**
 * The kernels worth timing on a CPU: OpenBLAS's own choice, and every `OPENBLAS_CORETYPE` whose
 * instructions the CPU's flags list (so none can fault): AVX-512 ones where it has AVX-512, the
 * AVX2 ones (Haswell's and Zen's) where it has AVX2 and FMA.
 */
export function kernelCandidates(flags: ReadonlySet<string>): KernelName[] {
  const all = (...names: string[]) => names.every((n) => flags.has(n));
  const out: KernelName[] = ['openblas'];
  if (all('avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl', 'fma')) out.push('SkylakeX');
  if (all('avx2', 'fma')) out.push('Haswell', 'Zen');
  return out;
}

/**
 * The fastest kernel, by measurement; a kernel must beat `preferred` (the one the CPU flags name)
 * by more than 10 % to replace it: timings of one process vary by about that much here, and the
 * choice should not flip between near-equal kernels.
 */
export function pickKernel(
  measurements: readonly KernelMeasurement[],
  preferred: KernelName,
): KernelName {
  const base = measurements.find((m) => m.kernel === preferred)?.gflops ?? 0;
  let best: KernelMeasurement | undefined;
  for (const m of measurements) if (best === undefined || m.gflops > best.gflops) best = m;
  return best !== undefined && best.gflops > base * 1.1 ? best.kernel : preferred;
}

/** Where the choice is kept: in mnist-lab's cache, `$MNIST_LAB_CACHE` or `~/.cache/mnist-lab`. */
export function kernelCachePath(env: Environment = process.env): string {
  const dir = env.MNIST_LAB_CACHE || join(homedir(), '.cache', 'mnist-lab');
  return join(dir, 'openblas-kernel.json');
}

/** What identifies a machine's kernel choice: its CPU, its flags, the libraries that would load. */
export function machineKey(flags: ReadonlySet<string>, libraries: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([cpus()[0]?.model, process.arch, [...flags].sort(), libraries]))
    .digest('hex')
    .slice(0, 16);
}

// The child that times one kernel: the built calibration entry next to this file.
const childScript = () => fileURLToPath(new URL('./openblas-calibrate.js', import.meta.url));

type KernelCache = Record<
  string,
  { kernel: KernelName; measurements?: KernelMeasurement[]; measuredAt?: string }
>;

// One entry per machine key, so that a run with another library does not evict this one.
function readKernelCache(path: string): KernelCache {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {
    // No cache yet, or an unreadable one.
  }
  return {};
}

/** The kernel timings kept from an earlier {@link chooseKernel} on this machine; none if never timed. */
export function keptKernelMeasurements(
  flags: ReadonlySet<string>,
  libraries: readonly string[],
  env: Environment = process.env,
): readonly KernelMeasurement[] {
  const kept = readKernelCache(kernelCachePath(env))[machineKey(flags, libraries)]?.measurements;
  return Array.isArray(kept) ? kept : [];
}

/** Times one kernel in a child process (OpenBLAS reads `OPENBLAS_CORETYPE` only while it loads). */
export function measureKernel(kernel: KernelName): KernelMeasurement {
  const { OPENBLAS_CORETYPE: _forced, ...rest } = process.env;
  const env = { ...rest, MNIST_LAB_OPENBLAS_KERNEL: kernel };
  const child = spawnSync(process.execPath, [childScript()], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  try {
    const { coreName, gflops } = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '');
    return { kernel, coreName: String(coreName), gflops: Number(gflops) || 0 };
  } catch {
    return { kernel, coreName: 'unknown', gflops: 0 };
  }
}

/**
 * The kernel for this machine: forced by `MNIST_LAB_OPENBLAS_KERNEL`; else the one measured earlier
 * here (the cache); else each candidate timed on the step's products, twice (about two seconds,
 * once per machine), and the fastest kept, with every measurement, in the cache.
 */
export function chooseKernel(
  flags: ReadonlySet<string>,
  libraries: readonly string[],
  preferred: KernelName,
  env: Environment = process.env,
  measure: (kernel: KernelName) => KernelMeasurement = measureKernel,
): KernelChoice {
  const forced = env.MNIST_LAB_OPENBLAS_KERNEL as KernelName | undefined;
  if (forced !== undefined) return { kernel: forced, source: 'forced', measurements: [] };
  const path = kernelCachePath(env);
  const key = machineKey(flags, libraries);
  const cache = readKernelCache(path);
  const cached = cache[key];
  if (typeof cached?.kernel === 'string')
    return { kernel: cached.kernel, source: 'cached', measurements: cached.measurements ?? [] };
  // Two passes in opposite orders, each kernel's best kept: a slow moment of the machine does not
  // single one kernel out. Where OpenBLAS does not load at all, nothing is timed or kept.
  const candidates = kernelCandidates(flags);
  const first = measure(candidates[0] as KernelName);
  if (first.gflops === 0) return { kernel: preferred, source: 'measured', measurements: [] };
  const passes = [first, ...candidates.slice(1), ...[...candidates].reverse()].map((k) =>
    typeof k === 'string' ? measure(k) : k,
  );
  const measurements = candidates.map((kernel) =>
    passes.filter((m) => m.kernel === kernel).reduce((a, b) => (b.gflops > a.gflops ? b : a)),
  );
  const kernel = pickKernel(measurements, preferred);
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    cache[key] = { kernel, measurements, measuredAt: new Date().toISOString() };
    writeFileSync(`${path}.${process.pid}.tmp`, `${JSON.stringify(cache, null, 2)}\n`);
    renameSync(`${path}.${process.pid}.tmp`, path);
  } catch {
    // A read-only home: measured again next time.
  }
  return { kernel, source: 'measured', measurements };
}
