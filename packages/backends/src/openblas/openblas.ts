import { coreTypeForFlags, cpuFlags } from '../choose/cpu-info';
import type { Environment } from '../choose/environment';
import { OpenBlasUnavailable } from '../errors';
import {
  chooseKernel,
  type KernelChoice,
  type KernelName,
  keptKernelMeasurements,
  kernelCandidates,
} from './kernel';

/** What {@link loadOpenBlas} found, said plainly for reports. */
export interface OpenBlasInfo {
  /** The shared library that was opened, e.g. `libopenblas.so.0`. */
  readonly library: string;
  /** `openblas_get_config()`, e.g. `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64`. */
  readonly config: string;
  /** The kernels OpenBLAS runs, `openblas_get_corename()`, e.g. `skylakex`. */
  readonly coreName: string;
  /** The `OPENBLAS_CORETYPE` this package chose (by measurement); absent when OpenBLAS's own choice won or the user set one. */
  readonly coreTypeOverride?: string;
  /** How the kernels were chosen: measured (now or earlier, on this machine), forced, or set in the environment; absent where there was no choice. */
  readonly kernelChoice?: KernelChoice;
  /** Threads OpenBLAS computes with now: 1 as opened (parallel jobs then do not fight over cores), or as `setThreads` set. */
  readonly threads: number;
}

/** Row-major single-precision matrix products and vector updates, on any Float32Array, including views of a wasm heap. */
export interface OpenBlas extends OpenBlasInfo {
  /**
   * `c = op(a)·op(b) + beta·c` (`beta` 0 unless given: `c` is then only written), row-major, `m×k` by
   * `k×n` after the transposes, leading dimensions as CBLAS's.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    c: Float32Array,
    ldc: number,
    beta?: number,
  ): void;
  /**
   * Sets the threads OpenBLAS may use (it opens with 1) and returns the number in effect (1 where a
   * library cannot be told). Another count may round the products differently; the same count
   * gives the same bits.
   */
  setThreads(n: number): number;
  /** `y = alpha·x + y` over `x.length` elements. */
  saxpy(alpha: number, x: Float32Array, y: Float32Array): void;
  /** `y = x` over `x.length` elements. */
  scopy(x: Float32Array, y: Float32Array): void;
  /** `y = alpha·x + beta·y` over `x.length` elements (OpenBLAS's `cblas_saxpby`, or two passes where a library lacks it). */
  saxpby(alpha: number, x: Float32Array, beta: number, y: Float32Array): void;
  /**
   * `b = aᵀ` for a row-major `rows×cols` `a` (OpenBLAS's `cblas_somatcopy`, exact); absent where a
   * library lacks it.
   */
  readonly transpose?: (rows: number, cols: number, a: Float32Array, b: Float32Array) => void;
}

/** Where OpenBLAS lives: `MNIST_LAB_OPENBLAS` first, then the names Debian/Ubuntu, Fedora, Homebrew and Windows use. */
export function openBlasCandidates(env: Environment = process.env): string[] {
  const named = env.MNIST_LAB_OPENBLAS;
  if (named) return [named];
  switch (process.platform) {
    case 'darwin':
      return [
        '/opt/homebrew/opt/openblas/lib/libopenblas.dylib',
        '/usr/local/opt/openblas/lib/libopenblas.dylib',
        'libopenblas.dylib',
      ];
    case 'win32':
      return ['libopenblas.dll', 'openblas.dll'];
    default:
      return ['libopenblas.so.0', 'libopenblas.so', 'libopenblasp.so.0'];
  }
}

interface Koffi {
  load(path: string): { func(definition: string): (...args: unknown[]) => unknown };
}

export const OPENBLAS_FIX =
  'install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; macOS: brew install openblas) or name the library with MNIST_LAB_OPENBLAS=/path/to/libopenblas.so';

async function importKoffi(): Promise<Koffi> {
  try {
    // A variable specifier keeps bundlers from resolving this optional, Node-only package.
    const specifier = 'koffi';
    const mod = (await import(specifier)) as { default?: Koffi } & Koffi;
    return mod.default ?? mod;
  } catch (cause) {
    throw new OpenBlasUnavailable(
      `the koffi package (a C FFI with prebuilt binaries) is not installed or does not load here: ${(cause as Error).message}; reinstall @mnist-lab/backends with optional dependencies`,
    );
  }
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

async function open(): Promise<OpenBlas> {
  const koffi = await importKoffi();
  // OpenBLAS reads OPENBLAS_CORETYPE once, while it loads; set it for that moment only.
  const { override, choice } = kernelToLoad();
  const tried: string[] = [];
  for (const library of openBlasCandidates()) {
    let lib: ReturnType<Koffi['load']>;
    try {
      if (override) process.env.OPENBLAS_CORETYPE = override;
      lib = koffi.load(library);
    } catch (cause) {
      tried.push(`${library} (${(cause as Error).message.split('\n')[0]})`);
      continue;
    } finally {
      if (override) delete process.env.OPENBLAS_CORETYPE;
    }
    // Not spread afterwards: `threads` is a getter.
    const bound = bindCblas(lib, library, override, choice);
    if (typeof bound === 'string') tried.push(bound);
    else return bound;
  }
  throw new OpenBlasUnavailable(
    `OpenBLAS was not found (tried ${tried.join('; ')}); ${OPENBLAS_FIX}`,
  );
}

/**
 * The CBLAS functions of a loaded library, with one thread; a string saying why when it is not a
 * CBLAS library.
 */
function bindCblas(
  lib: ReturnType<Koffi['load']>,
  library: string,
  override: string | undefined,
  kernelChoice: KernelChoice | undefined,
): OpenBlas | string {
  const fn = (definition: string) => lib.func(definition);
  let sgemm: (...args: unknown[]) => unknown;
  let saxpy: (...args: unknown[]) => unknown;
  let scopy: (...args: unknown[]) => unknown;
  let sscal: (...args: unknown[]) => unknown;
  try {
    sgemm = fn(
      'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)',
    );
    saxpy = fn(
      'void cblas_saxpy(int n, float alpha, const float *x, int incx, float *y, int incy)',
    );
    scopy = fn('void cblas_scopy(int n, const float *x, int incx, float *y, int incy)');
    sscal = fn('void cblas_sscal(int n, float alpha, float *x, int incx)');
  } catch (cause) {
    return `${library} (not a CBLAS library: ${(cause as Error).message})`;
  }
  const optional = (definition: string) => {
    try {
      return fn(definition);
    } catch {
      return undefined;
    }
  };
  const saxpby = optional(
    'void cblas_saxpby(int n, float alpha, const float *x, int incx, float beta, float *y, int incy)',
  );
  const setThreads = optional('void openblas_set_num_threads(int)');
  const getThreads = optional('int openblas_get_num_threads()');
  setThreads?.(1);
  const config = String(optional('const char *openblas_get_config()')?.() ?? 'OpenBLAS');
  const coreName = String(optional('const char *openblas_get_corename()')?.() ?? 'unknown');
  return {
    library,
    config,
    coreName,
    ...(override && config.includes('DYNAMIC_ARCH') ? { coreTypeOverride: override } : {}),
    ...(kernelChoice === undefined ? {} : { kernelChoice }),
    get threads() {
      return Number(getThreads?.() ?? 1);
    },
    setThreads: (n: number) => {
      setThreads?.(n);
      return Number(getThreads?.() ?? 1);
    },
    sgemm: (transA, transB, m, n, k, a, lda, b, ldb, c, ldc, beta = 0) =>
      sgemm(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        1,
        a,
        lda,
        b,
        ldb,
        beta,
        c,
        ldc,
      ),
    saxpy: (alpha, x, y) => saxpy(x.length, alpha, x, 1, y, 1),
    scopy: (x, y) => scopy(x.length, x, 1, y, 1),
    saxpby: saxpby
      ? (alpha, x, beta, y) => saxpby(x.length, alpha, x, 1, beta, y, 1)
      : (alpha, x, beta, y) => {
          sscal(y.length, beta, y, 1);
          saxpy(x.length, alpha, x, 1, y, 1);
        },
    ...transposeOf(optional(SOMATCOPY)),
  };
}

const SOMATCOPY =
  'void cblas_somatcopy(int order, int trans, int rows, int cols, float alpha, const float *a, int lda, float *b, int ldb)';

/** OpenBLAS's `cblas_somatcopy` as `transpose` (`b = 1·aᵀ`, exact), where the library has it. */
function transposeOf(somatcopy: ((...args: unknown[]) => unknown) | undefined) {
  if (somatcopy === undefined) return {};
  return {
    transpose: (rows: number, cols: number, a: Float32Array, b: Float32Array) =>
      somatcopy(ROW_MAJOR, TRANS, rows, cols, 1, a, cols, b, rows),
  };
}

/**
 * The `OPENBLAS_CORETYPE` to load OpenBLAS with: none where the user set one; else the fastest
 * kernel measured on this machine among those its CPU flags allow (see `chooseKernel`; where the
 * flags allow only one, OpenBLAS's own).
 */
function kernelToLoad(): { override: string | undefined; choice: KernelChoice | undefined } {
  const set = process.env.OPENBLAS_CORETYPE;
  if (set) {
    // The environment's choice wins; what this machine measured before is shown beside it.
    const measurements = keptKernelMeasurements(cpuFlags(), openBlasCandidates());
    return { override: undefined, choice: { kernel: set, source: 'environment', measurements } };
  }
  const flags = cpuFlags();
  const forced = process.env.MNIST_LAB_OPENBLAS_KERNEL;
  if (forced === undefined && kernelCandidates(flags).length <= 1)
    return { override: undefined, choice: undefined };
  const choice = chosenKernel(flags);
  return { override: choice.kernel === 'openblas' ? undefined : choice.kernel, choice };
}

// `chooseKernel` for this machine, the kernel the CPU flags name preferred.
const chosenKernel = (flags: ReadonlySet<string>, env: Environment = process.env) =>
  chooseKernel(
    flags,
    openBlasCandidates(),
    (coreTypeForFlags(flags) ?? 'openblas') as KernelName,
    env,
  );

/**
 * Times the kernels this CPU can run on the step's products (or reads the timings kept from an
 * earlier run here), whatever `OPENBLAS_CORETYPE` says: what `mnist-lab backends` shows beside a
 * kernel the environment forces. About two seconds the first time on a machine.
 */
export function timeOpenBlasKernels(): KernelChoice {
  const env = { ...process.env };
  delete env.MNIST_LAB_OPENBLAS_KERNEL;
  return chosenKernel(cpuFlags(), env);
}

let opening: Promise<OpenBlas> | undefined;

/**
 * Opens OpenBLAS through koffi once per process, with one thread (see `OpenBlas.setThreads`) and the kernels measured fastest
 * on this machine's CPU (`chooseKernel`: timed once, about a second, then kept in the cache).
 * Rejects with {@link OpenBlasUnavailable} saying what is missing.
 */
export function loadOpenBlas(): Promise<OpenBlas> {
  opening ??= open();
  return opening;
}
