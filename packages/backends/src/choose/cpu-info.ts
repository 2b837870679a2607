import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * The `OPENBLAS_CORETYPE` that matches a CPU's feature flags (`/proc/cpuinfo`), or undefined.
 * OpenBLAS picks its kernels from a table of CPU models; a model newer than the library (0.3.21
 * on a Xeon of model 207, measured here) falls back to `Prescott`, SSE3 kernels ~3.5x slower than
 * the AVX-512 ones the CPU can run. The choice here only names kernels whose instructions the
 * flags list, so it is never wrong for the CPU, only possibly less tuned than a newer OpenBLAS.
 */
export function coreTypeForFlags(flags: ReadonlySet<string>): string | undefined {
  const all = (...names: string[]) => names.every((n) => flags.has(n));
  if (all('avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl', 'fma')) return 'SkylakeX';
  if (all('avx2', 'fma')) return 'Haswell';
  return undefined;
}

/** The CPU's feature flags from `/proc/cpuinfo` (Linux x64), or none elsewhere. */
export function cpuFlags(): ReadonlySet<string> {
  return new Set(cpuInfoField('flags')?.split(/\s+/) ?? []);
}

/** A field of the first CPU in Linux's `/proc/cpuinfo` on x86 (`flags`, `cpu family`, `model`), else undefined. */
function cpuInfoField(name: string): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  try {
    return readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0]?.trim() === name)
      ?.split(':')[1]
      ?.trim();
  } catch {
    return undefined;
  }
}

/**
 * The CPU as this machine names it, with its x86 family and model where Linux says them:
 * `AMD EPYC (family 26, model 2)`. A virtual machine's model name can be as bare as `AMD EPYC` for
 * CPUs of different generations, whose figures differ (BENCHMARKS.md); family and model tell them
 * apart. Every benchmark and `mnist-lab backends` print it.
 */
export function cpuName(): string {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  const [family, number] = [cpuInfoField('cpu family'), cpuInfoField('model')];
  return family && number ? `${model} (family ${family}, model ${number})` : model;
}
