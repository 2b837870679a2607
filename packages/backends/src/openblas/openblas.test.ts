import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MLP_SGD_STEP_KERNEL, SGD_MOMENTUM_KERNEL } from '@mnist-lab/contracts';
import { describe, expect, it } from 'vitest';
import { cpuName, initBackend, type KernelMeasurement, type KernelName } from '../index';
import {
  blasThreadsWanted,
  chooseBlasThreads,
  chooseKernel,
  coreTypeForFlags,
  cpuFlags,
  kernelCandidates,
  loadOpenBlas,
  pickKernel,
  speedFixVariants,
  WASM_SIMD_PRODUCTS,
} from '../internal';
import { environmentVerdict } from './describe';
import { openBlasCandidates } from './openblas';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an ES module snippet in a plain `node` process beside the built package. */
async function node(script: string, env: Record<string, string | undefined>) {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    env: { ...process.env, ...env },
  });
  return stdout.trim();
}

/** C = op(A)·op(B) in double precision, the reference for sgemm. */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? (a[p * m + i] as number) : (a[i * k + p] as number);
        const bv = tb ? (b[j * k + p] as number) : (b[p * n + j] as number);
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  return c;
}

// What the environment held before anything loaded OpenBLAS (some machines set it).
const USER_CORETYPE = process.env.OPENBLAS_CORETYPE;

describe('coreTypeForFlags', () => {
  it('names the kernels a CPU can run from its flags', () => {
    const avx512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl', 'avx2', 'fma'];
    expect(coreTypeForFlags(new Set(avx512))).toBe('SkylakeX');
    expect(coreTypeForFlags(new Set(['avx2', 'fma', 'avx512f']))).toBe('Haswell');
    expect(coreTypeForFlags(new Set(['avx2']))).toBeUndefined();
    expect(coreTypeForFlags(new Set(['sse4_2']))).toBeUndefined();
  });

  it('lets MNIST_LAB_OPENBLAS name the library', () => {
    expect(openBlasCandidates({ MNIST_LAB_OPENBLAS: '/opt/blas/libopenblas.so' })).toEqual([
      '/opt/blas/libopenblas.so',
    ]);
    if (process.platform === 'linux') expect(openBlasCandidates({})).toContain('libopenblas.so.0');
  });
});

// CI installs Debian's libopenblas0-pthread (.ci/run); without it these fail and say so.
describe('OpenBLAS through koffi (needs libopenblas0-pthread)', () => {
  it('opens OpenBLAS with one thread and the kernels measured fastest among those the CPU allows', async () => {
    const blas = await loadOpenBlas();
    expect(blas.config).toMatch(/^OpenBLAS \d+\.\d+\.\d+/);
    expect(blas.threads).toBe(1);
    const choice = blas.kernelChoice;
    if (choice?.source === 'environment') {
      // The environment's kernel wins, untouched.
      expect(choice.kernel).toBe(USER_CORETYPE);
      expect(blas.coreTypeOverride).toBeUndefined();
    } else if (
      blas.config.includes('DYNAMIC_ARCH') &&
      choice !== undefined &&
      choice.kernel !== 'openblas'
    ) {
      expect(kernelCandidates(cpuFlags())).toContain(choice.kernel);
      expect(blas.coreName.toLowerCase()).toBe(choice.kernel.toLowerCase());
      expect(blas.coreTypeOverride).toBe(choice.kernel);
    }
    // Set only while OpenBLAS loads: afterwards the environment holds what the user set, if anything.
    expect(process.env.OPENBLAS_CORETYPE).toBe(USER_CORETYPE);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])(
    'sgemm (transposeA %s, transposeB %s) matches a float64 product within 1e-5',
    async (ta, tb) => {
      const blas = await loadOpenBlas();
      const [m, n, k] = [7, 33, 129];
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7) / Math.sqrt(k));
      // On a wasm-heap-like buffer at an offset, as the kernels use it.
      const heap = new Float32Array(new WebAssembly.Memory({ initial: 1 }).buffer);
      const c = heap.subarray(100, 100 + m * n).fill(Number.NaN);
      blas.sgemm(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, c, n);
      const expected = reference(a, b, m, n, k, ta, tb);
      for (let i = 0; i < c.length; i++) {
        const e = expected[i] as number;
        expect(Math.abs((c[i] as number) - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e)));
      }
      expect(heap[99]).toBe(0);
      expect(heap[100 + m * n]).toBe(0);
    },
  );

  it('axpy, copy and axpby compute their closed forms', async () => {
    const blas = await loadOpenBlas();
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    const y = Float32Array.from([10, 20, 30, 40, 50]);
    blas.saxpy(0.5, x, y);
    expect(Array.from(y)).toEqual([10.5, 21, 31.5, 42, 52.5]);
    blas.saxpby(2, x, 0.5, y);
    expect(Array.from(y)).toEqual([7.25, 14.5, 21.75, 29, 36.25]);
    const z = new Float32Array(5);
    blas.scopy(x, z);
    expect(Array.from(z)).toEqual([1, 2, 3, 4, 5]);
  });

  it('is what initBackend puts under wasm by default, and says so', async () => {
    const report = await initBackend({ prefer: 'wasm' });
    expect(report.matmul).toMatch(/^OpenBLAS \(OpenBLAS \d+\.\d+\.\d+, \w+ kernels.*, 1 thread\)$/);
    expect(speedFixVariants()).toEqual({
      wasm_Identity: 'shared buffer',
      wasm_BatchMatMul: 'openblas',
      [`wasm_${SGD_MOMENTUM_KERNEL}`]: 'openblas',
      [`wasm_${MLP_SGD_STEP_KERNEL}`]: 'openblas',
    });
    const off = await initBackend({ prefer: 'wasm', blas: 'off' });
    expect(off.matmul).toBe(WASM_SIMD_PRODUCTS);
    // Without OpenBLAS: the update in wasm SIMD, the whole step on this package's SIMD products.
    expect(speedFixVariants()).toEqual({
      wasm_Identity: 'shared buffer',
      wasm_BatchMatMul: 'transposes',
      [`wasm_${SGD_MOMENTUM_KERNEL}`]: 'wasm simd',
      [`wasm_${MLP_SGD_STEP_KERNEL}`]: 'wasm simd',
    });
    await initBackend({ prefer: 'wasm' });
  });

  it('threads: given, or timed (1 or every core), each count giving the same bits every time', async () => {
    const blas = await loadOpenBlas();
    const cores = cpus().length;
    expect(chooseBlasThreads(blas, 1)).toEqual({ threads: 1, source: 'given' });
    const timed = chooseBlasThreads(blas, 'auto', 2);
    expect(timed.source).toBe('timed');
    expect(timed.measurements?.map((m) => m.threads)).toEqual([1, 2]);
    for (const m of timed.measurements ?? []) expect(m.gflops).toBeGreaterThan(0);
    const faster =
      (timed.measurements?.[1]?.gflops ?? 0) >= 1.1 * (timed.measurements?.[0]?.gflops ?? 0);
    expect(timed.threads).toBe(faster ? 2 : 1);
    expect(blas.threads).toBe(timed.threads);
    expect(chooseBlasThreads(blas, 'auto', 1)).toEqual({ threads: 1, source: 'one core' });
    // The step's weight-gradient shape, twice on each count: the same bits for the same count.
    const [m, n, k] = [512, 784, 32];
    const a = Float32Array.from({ length: k * m }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7));
    const product = (threads: number) => {
      blas.setThreads(threads);
      const c = new Float32Array(m * n);
      blas.sgemm(true, false, m, n, k, a, m, b, n, c, n);
      return c;
    };
    for (const threads of [1, Math.max(2, cores)])
      expect(product(threads)).toEqual(product(threads));
    expect(blas.setThreads(1)).toBe(1);
  });

  it('rejects an unknown blas mode by name', async () => {
    const error = await initBackend({ prefer: 'wasm', blas: 'fast' as never }).catch((e) => e);
    expect((error as Error).message).toBe(
      "unknown blas mode 'fast'; expected one of auto, off, require",
    );
  });
});

describe('without OpenBLAS (plain node process, MNIST_LAB_OPENBLAS naming a missing file)', () => {
  const missing = { MNIST_LAB_OPENBLAS: '/nonexistent/libopenblas.so' };

  it('auto falls back to XNNPACK and says so', async () => {
    const out = await node(
      "Promise.all([import('@mnist-lab/backends'), import('@mnist-lab/backends/internal')]).then(async ([b, i]) => { const r = await b.initBackend({ prefer: 'wasm' }); console.log(JSON.stringify([r.matmul, i.speedFixVariants()])); })",
      missing,
    );
    expect(JSON.parse(out)).toEqual([
      WASM_SIMD_PRODUCTS,
      {
        wasm_Identity: 'shared buffer',
        wasm_BatchMatMul: 'transposes',
        [`wasm_${SGD_MOMENTUM_KERNEL}`]: 'wasm simd',
        [`wasm_${MLP_SGD_STEP_KERNEL}`]: 'wasm simd',
      },
    ]);
  });

  it('require fails naming the library tried and how to install OpenBLAS', async () => {
    const out = await node(
      "import('@mnist-lab/backends').then(b => b.initBackend({ prefer: 'wasm', blas: 'require' })).then(() => console.log('started'), e => console.log(e.name + ': ' + e.message))",
      missing,
    );
    expect(out).toMatch(
      /^BackendUnavailableError: wasm with OpenBLAS is unavailable: OpenBLAS was not found \(tried \/nonexistent\/libopenblas\.so \(/,
    );
    expect(out).toContain('apt-get install libopenblas0-pthread');
  });
});

describe("OpenBLAS's kernels, chosen by measurement", () => {
  const m = (kernel: KernelName, gflops: number): KernelMeasurement => ({
    kernel,
    coreName: kernel,
    gflops,
  });

  it('times only kernels whose instructions the CPU flags list', () => {
    expect(kernelCandidates(new Set())).toEqual(['openblas']);
    expect(kernelCandidates(new Set(['avx2', 'fma']))).toEqual(['openblas', 'Haswell', 'Zen']);
    const avx512 = new Set([
      'avx512f',
      'avx512cd',
      'avx512bw',
      'avx512dq',
      'avx512vl',
      'fma',
      'avx2',
    ]);
    expect(kernelCandidates(avx512)).toEqual(['openblas', 'SkylakeX', 'Haswell', 'Zen']);
  });

  it("keeps the flags' kernel unless another is more than 10 % faster", () => {
    expect(pickKernel([m('openblas', 30), m('SkylakeX', 80), m('Haswell', 85)], 'SkylakeX')).toBe(
      'SkylakeX',
    );
    expect(pickKernel([m('openblas', 30), m('SkylakeX', 60), m('Haswell', 85)], 'SkylakeX')).toBe(
      'Haswell',
    );
    // The Xeon whose model OpenBLAS 0.3.21 does not know: its own choice (SSE3) loses.
    expect(pickKernel([m('openblas', 24), m('SkylakeX', 84)], 'openblas')).toBe('SkylakeX');
    expect(pickKernel([m('SkylakeX', 0)], 'SkylakeX')).toBe('SkylakeX');
  });

  it('measures each candidate twice, keeps the best, caches the choice per machine, and obeys a forced kernel', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'mnist-lab-kernel-'));
    const env = { MNIST_LAB_CACHE: cache };
    const flags = new Set(['avx2', 'fma']);
    const timed: string[] = [];
    const speeds: Record<string, number[]> = {
      openblas: [20, 22],
      Haswell: [50, 70],
      Zen: [90, 60],
    };
    const measure = (kernel: KernelName) => {
      timed.push(kernel);
      return m(kernel, speeds[kernel]?.shift() ?? 0);
    };
    const first = chooseKernel(flags, ['libopenblas.so.0'], 'Haswell', env, measure);
    expect(timed).toEqual(['openblas', 'Haswell', 'Zen', 'Zen', 'Haswell', 'openblas']);
    expect(first).toMatchObject({ kernel: 'Zen', source: 'measured' });
    expect(first.measurements.map((x) => x.gflops)).toEqual([22, 70, 90]);
    const again = chooseKernel(flags, ['libopenblas.so.0'], 'Haswell', env, measure);
    expect(again).toMatchObject({ kernel: 'Zen', source: 'cached' });
    expect(timed).toHaveLength(6);
    // Another machine (other flags) does not reuse this one's choice.
    expect(
      chooseKernel(new Set(['avx2']), ['libopenblas.so.0'], 'openblas', env, measure).source,
    ).toBe('measured');
    expect(
      chooseKernel(flags, [], 'Haswell', { ...env, MNIST_LAB_OPENBLAS_KERNEL: 'Haswell' }, measure),
    ).toEqual({ kernel: 'Haswell', source: 'forced', measurements: [] });
    await rm(cache, { recursive: true, force: true });
  });

  it('times the real kernels in child processes and loads the fastest (needs libopenblas0-pthread)', () => {
    const cache = mkdtempSync(join(tmpdir(), 'mnist-lab-kernel-'));
    const load = (coreType: string) => {
      const r = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { loadOpenBlas } from ${JSON.stringify(fileURLToPath(new URL('../../dist/internal.js', import.meta.url)))}; const b = await loadOpenBlas(); console.log(JSON.stringify({ core: b.coreName, choice: b.kernelChoice }));`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, MNIST_LAB_CACHE: cache, OPENBLAS_CORETYPE: coreType },
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim());
    };
    try {
      const { core, choice } = load('');
      const candidates = kernelCandidates(cpuFlags());
      if (candidates.length <= 1) {
        expect(choice).toBeUndefined();
        return;
      }
      expect(choice.source).toBe('measured');
      expect(choice.measurements.map((x: KernelMeasurement) => x.kernel)).toEqual(candidates);
      for (const x of choice.measurements) expect(x.gflops).toBeGreaterThan(1);
      if (choice.kernel !== 'openblas')
        expect(core.toLowerCase()).toBe(choice.kernel.toLowerCase());
      const kept = Object.values(
        JSON.parse(readFileSync(join(cache, 'openblas-kernel.json'), 'utf8')),
      );
      expect(kept).toEqual([expect.objectContaining({ kernel: choice.kernel })]);
      // Later, with OPENBLAS_CORETYPE set in the environment: that kernel loads, nothing is timed,
      // and the timings kept above come with it (what the backend line compares it against).
      const forced = candidates.at(-1) as string;
      const withEnv = load(forced);
      expect(withEnv.core.toLowerCase()).toBe(forced.toLowerCase());
      expect(withEnv.choice).toEqual({
        kernel: forced,
        source: 'environment',
        measurements: choice.measurements,
      });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('blasThreadsWanted', () => {
  it('takes the option, else MNIST_LAB_BLAS_THREADS, else 1', () => {
    expect(blasThreadsWanted(undefined, {})).toBe(1);
    expect(blasThreadsWanted(undefined, { MNIST_LAB_BLAS_THREADS: '2' })).toBe(2);
    expect(blasThreadsWanted(undefined, { MNIST_LAB_BLAS_THREADS: 'auto' })).toBe('auto');
    expect(blasThreadsWanted(4, { MNIST_LAB_BLAS_THREADS: '2' })).toBe(4);
  });
  it.each([
    [undefined, { MNIST_LAB_BLAS_THREADS: 'two' }, 'MNIST_LAB_BLAS_THREADS=two'],
    [undefined, { MNIST_LAB_BLAS_THREADS: '0' }, 'MNIST_LAB_BLAS_THREADS=0'],
    [1.5, {}, 'blasThreads 1.5'],
  ] as const)('refuses %s / %o, naming it', (given, env, named) => {
    expect(() => blasThreadsWanted(given, env)).toThrow(
      `${named}: expected a whole number of threads from 1 to 1024, or auto`,
    );
  });
  it('initBackend refuses a bad MNIST_LAB_BLAS_THREADS before starting anything', async () => {
    const before = process.env.MNIST_LAB_BLAS_THREADS;
    process.env.MNIST_LAB_BLAS_THREADS = 'many';
    try {
      await expect(initBackend({ prefer: 'wasm' })).rejects.toThrow('MNIST_LAB_BLAS_THREADS=many');
    } finally {
      if (before === undefined) delete process.env.MNIST_LAB_BLAS_THREADS;
      else process.env.MNIST_LAB_BLAS_THREADS = before;
    }
  });
});

describe('cpuName', () => {
  // Two CPUs of different generations can both be "AMD EPYC" in a VM: family and model tell them apart.
  const linuxX86 = process.platform === 'linux' && process.arch === 'x64';
  it.skipIf(!linuxX86)("names the CPU with /proc/cpuinfo's family and model (Linux x86)", () => {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const family = /^cpu family\s*:\s*(\d+)$/m.exec(info)?.[1];
    const model = /^model\s*:\s*(\d+)$/m.exec(info)?.[1];
    expect(cpuName()).toBe(`${cpus()[0]?.model.trim()} (family ${family}, model ${model})`);
  });
  it.skipIf(linuxX86)('is the model name elsewhere (this machine is not Linux x86)', () => {
    expect(cpuName()).toBe(cpus()[0]?.model.trim() || 'unknown CPU');
  });
});

describe('environmentVerdict', () => {
  const m = (kernel: KernelName, gflops: number): KernelMeasurement => ({
    kernel,
    coreName: kernel,
    gflops,
  });
  it('says the kernel the environment forces, and how to get a faster one measured here', () => {
    const choice = {
      kernel: 'Haswell',
      source: 'environment' as const,
      measurements: [m('openblas', 151), m('SkylakeX', 158), m('Haswell', 100)],
    };
    expect(environmentVerdict(choice)).toBe(
      "OPENBLAS_CORETYPE=Haswell, set in the environment; timed here: OpenBLAS's own 151, SkylakeX 158, Haswell 100 GFLOP/s: unset it for SkylakeX, 1.6× as fast here",
    );
  });
  it('gives no advice within 10 %, or for a kernel never timed here', () => {
    const near = [m('SkylakeX', 105), m('Haswell', 100)];
    expect(
      environmentVerdict({ kernel: 'haswell', source: 'environment', measurements: near }),
    ).toBe(
      'OPENBLAS_CORETYPE=haswell, set in the environment; timed here: SkylakeX 105, Haswell 100 GFLOP/s',
    );
    expect(
      environmentVerdict({ kernel: 'Prescott', source: 'environment', measurements: near }),
    ).not.toContain('unset');
    expect(environmentVerdict({ kernel: 'Haswell', source: 'environment', measurements: [] })).toBe(
      'OPENBLAS_CORETYPE=Haswell, set in the environment; not timed against the others: mnist-lab backends times them',
    );
  });
});
