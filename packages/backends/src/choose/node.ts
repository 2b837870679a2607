import { BLAS_MODES, type BlasMode, NODE_BACKENDS } from '@mnist-lab/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, OpenBlasUnavailable } from '../errors';
import { installSpeedFixes, removeSpeedFixes } from '../kernels/register-kernels';
import { describeOpenBlas, summarizeOpenBlas } from '../openblas/describe';
import { loadOpenBlas } from '../openblas/openblas';
import { type BlasThreads, blasThreadsWanted, chooseBlasThreads } from '../openblas/threads';
import { registerGradients } from '../register-gradients-node';
import type { BackendProbe, BackendReport, NodeBackendName } from './backend-report';
import { timeBackends } from './measure';
import { startCpu, startTensorflow, startWasm, startWebgpu } from './node-starters';
import { nothingStarted, reasonsOf, startedOf, tryInOrder } from './try-in-order';

/** wasm's matrix products without OpenBLAS, where the engine has wasm SIMD. */
export const WASM_SIMD_PRODUCTS =
  "wasm SIMD (the fused step's own products; XNNPACK for tfjs's ops)";

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * `auto` (the default) tries, in order: `tensorflow` on a CUDA GPU (tfjs-node-gpu), `webgpu` on
   * a hardware adapter (Dawn), `tensorflow` on the CPU (tfjs-node), `wasm`, `cpu`. A name starts
   * exactly that backend or throws {@link BackendUnavailableError} saying why and how to fix it.
   */
  readonly prefer?: 'auto' | NodeBackendName;
  /**
   * Install the measured speed fixes for the chosen backend (today: wasm's transposed matrix
   * products). Defaults to true; `false` restores tfjs's own kernels, for comparisons.
   */
  readonly speedFixes?: boolean;
  /**
   * Where wasm's matrix products run. `auto` (the default): OpenBLAS when it can be opened
   * (through the optional `koffi` package), else tfjs-wasm's XNNPACK; `off`: always XNNPACK (pure
   * wasm, as in a browser); `require`: OpenBLAS or a {@link BackendUnavailableError} saying what is
   * missing. Ignored by other backends and when `speedFixes` is false.
   */
  readonly blas?: BlasMode;
  /**
   * Threads for OpenBLAS's products: a number, or `auto`: 1 or every core, whichever a few
   * step-sized products run faster on here (`chooseBlasThreads`, ~50 ms). Defaults to
   * `MNIST_LAB_BLAS_THREADS` when set, else 1: parallel jobs then do not fight over cores, and the
   * weights are those every figure and test here was made with. More threads split the products
   * differently and round differently (an epoch ends with other weights, within float32 rounding
   * of each step); the same count gives the same bits run after run.
   */
  readonly blasThreads?: BlasThreads;
  /**
   * A few real training steps of the caller's network on the active backend: samples per second
   * (`@mnist-lab/trainer`'s `trainingSpeed`). With it, `auto` starts every backend of its order
   * that can start here (the pure-JavaScript `cpu` only when nothing else can), times the trial on
   * each where there is more than one, and keeps the fastest, reporting every figure in
   * `measured`: a GPU is used only where it beats the CPU on this network. Without it, `auto`
   * takes the first backend of its order that starts.
   */
  readonly trial?: () => Promise<number>;
}

/** One backend's speed on the caller's trial in Node. */
export interface NodeMeasurement {
  readonly backend: NodeBackendName;
  /** How `auto` lists it, e.g. `webgpu (Dawn, hardware adapter)`. */
  readonly label: string;
  readonly device: string;
  readonly samplesPerSecond: number;
}

/** What {@link initBackend} started, with the figures `auto` chose by where it timed them. */
export type InitBackendReport = BackendReport & { readonly measured?: readonly NodeMeasurement[] };

export { BLAS_MODES, type BlasMode, NODE_BACKENDS };

/** One step of `auto`'s order: a backend, how to list it, how to start it. */
export interface Candidate {
  readonly name: NodeBackendName;
  /** How `auto` lists this step, e.g. `tensorflow (CUDA GPU)`. */
  readonly label: string;
  /** Starts the backend and reports it, or throws `BackendUnavailableError` saying why not. */
  readonly start: () => Promise<BackendReport>;
}

/** What `auto` tries, in order. */
export const NODE_AUTO_ORDER: readonly Candidate[] = [
  {
    name: 'tensorflow',
    label: 'tensorflow (tfjs-node-gpu on a CUDA GPU)',
    start: () => startTensorflow('gpu'),
  },
  { name: 'webgpu', label: 'webgpu (Dawn, hardware adapter)', start: () => startWebgpu(true) },
  { name: 'tensorflow', label: 'tensorflow (tfjs-node, CPU)', start: () => startTensorflow('cpu') },
  { name: 'wasm', label: 'wasm', start: startWasm },
  { name: 'cpu', label: 'cpu', start: startCpu },
];

const explicit: Record<NodeBackendName, () => Promise<BackendReport>> = {
  tensorflow: async () => {
    try {
      return await startTensorflow('gpu');
    } catch {
      return startTensorflow('cpu');
    }
  },
  webgpu: () => startWebgpu(false),
  wasm: startWasm,
  cpu: startCpu,
};

/**
 * Starts the best (or the named) tfjs backend in Node, registers gradients, installs the speed
 * fixes, and reports what runs.
 *
 * @example
 * const report = await initBackend(); // { backend: 'wasm', device: 'AMD EPYC ...', ... }
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<InitBackendReport> {
  const blasMode = options.blas ?? 'auto';
  if (!BLAS_MODES.includes(blasMode)) {
    throw new BackendUnavailableError(
      'wasm',
      `unknown blas mode '${String(blasMode)}'; expected one of ${BLAS_MODES.join(', ')}`,
    );
  }
  // Resolved here (option, else environment; a bad value refused by name before anything starts),
  // so every later step sees the same value even if the environment changes meanwhile.
  const resolved = { ...options, blasThreads: blasThreadsWanted(options.blasThreads) };
  await registerGradients();
  const prefer = options.prefer ?? 'auto';
  if (prefer === 'auto' && options.trial !== undefined)
    return chooseNodeBackend(NODE_AUTO_ORDER, resolved, options.trial);
  return withFixes(await startPreferred(prefer), resolved);
}

/**
 * `auto` by measurement over `order` (Node's is {@link NODE_AUTO_ORDER}): starts each backend once
 * (the first variant that starts per name; `cpu` only when nothing before it started), times
 * `trial` on each where more than one started, and makes the fastest the active backend, with
 * every figure in `measured`. Exported for tests and tools that bring their own order.
 */
export async function chooseNodeBackend(
  order: readonly Candidate[],
  options: InitBackendOptions,
  trial: () => Promise<number>,
): Promise<InitBackendReport> {
  const outcomes = await tryInOrder<Candidate, BackendReport>(order, async (candidate, before) => {
    const previous = startedOf(before);
    // One of each backend, and the CPU backend only where nothing else started.
    if (previous.some((s) => s.started.backend === candidate.name)) return undefined;
    if (candidate.name === 'cpu' && previous.length > 0) return undefined;
    return candidate.start();
  });
  const started = startedOf(outcomes).map((s) => ({ label: s.item.label, report: s.started }));
  const only = started[0];
  if (only === undefined) throw nothingStarted(reasonsOf(outcomes), 'lines');
  if (started.length === 1) return withFixes(only.report, options);
  const { best, timed } = await timeBackends(started, (r) => withFixes(r, options), trial);
  const measured: NodeMeasurement[] = timed.map(({ label, report, samplesPerSecond }) => ({
    backend: report.backend as NodeBackendName,
    label,
    device: report.device,
    samplesPerSecond,
  }));
  return { ...(best as BackendReport), measured };
}

/** The speed fixes (and, on wasm, OpenBLAS as `blas` says) installed for a started backend. */
async function withFixes(
  report: BackendReport,
  options: InitBackendOptions,
): Promise<BackendReport> {
  const blasMode = options.blas ?? 'auto';
  if (!(options.speedFixes ?? true)) {
    removeSpeedFixes();
    return report.backend === 'wasm'
      ? { ...report, matmul: 'XNNPACK (wasm), tfjs kernels as shipped' }
      : report;
  }
  if (report.backend !== 'wasm') {
    installSpeedFixes(report.backend);
    return report;
  }
  if (blasMode !== 'off') {
    try {
      const blas = await loadOpenBlas();
      const threads = chooseBlasThreads(blas, blasThreadsWanted(options.blasThreads));
      installSpeedFixes('wasm', blas);
      return {
        ...report,
        matmul: describeOpenBlas(blas, threads),
        matmulSummary: summarizeOpenBlas(blas, threads),
      };
    } catch (error) {
      if (!OpenBlasUnavailable.isInstance(error)) throw error;
      if (blasMode === 'require') {
        throw new BackendUnavailableError(
          'wasm',
          `wasm with OpenBLAS is unavailable: ${error.message}`,
        );
      }
    }
  }
  // The fused training step's products run on this package's wasm SIMD kernels where the engine
  // has wasm SIMD; tfjs's own ops (evaluation, unfused steps) keep XNNPACK.
  const ownStep = installSpeedFixes('wasm') === 'wasm simd';
  return { ...report, matmul: ownStep ? WASM_SIMD_PRODUCTS : 'XNNPACK (wasm SIMD)' };
}

/** What would compute wasm's matrix products with `blas: 'auto'`, and why not OpenBLAS. */
async function wasmMatmul(threads: BlasThreads): Promise<string> {
  try {
    const blas = await loadOpenBlas();
    return describeOpenBlas(blas, chooseBlasThreads(blas, threads));
  } catch (error) {
    if (!OpenBlasUnavailable.isInstance(error)) throw error;
    return `XNNPACK (wasm SIMD); OpenBLAS unavailable: ${error.message}`;
  }
}

async function startPreferred(prefer: 'auto' | NodeBackendName): Promise<BackendReport> {
  if (prefer !== 'auto') {
    const start = explicit[prefer];
    if (start === undefined) {
      throw new BackendUnavailableError(
        prefer,
        `unknown backend '${prefer}'; expected one of auto, ${NODE_BACKENDS.join(', ')}`,
      );
    }
    return start();
  }
  const outcomes = await tryInOrder(NODE_AUTO_ORDER, (c) => c.start(), { untilOne: true });
  const first = startedOf(outcomes)[0];
  if (first === undefined) throw nothingStarted(reasonsOf(outcomes), 'lines');
  return first.started;
}

/** One step of `auto`'s order: whether it would start now, or why not. */
export interface AutoProbe extends BackendProbe {
  readonly label: string;
  readonly report?: BackendReport;
}

/**
 * Probes every step of `auto`'s order (for `mnist-lab backends`) and returns to the backend that
 * was active. The first available step is what `auto` picks. `blasThreads` as {@link initBackend}
 * takes it: the wasm line says how many threads OpenBLAS would compute with.
 */
export async function probeBackends(
  options: { readonly blasThreads?: BlasThreads } = {},
): Promise<AutoProbe[]> {
  const threads = blasThreadsWanted(options.blasThreads);
  await registerGradients();
  const previous = tf.getBackend();
  const outcomes = await tryInOrder(NODE_AUTO_ORDER, async (candidate) => {
    const started = await candidate.start();
    return candidate.name === 'wasm' ? { ...started, matmul: await wasmMatmul(threads) } : started;
  });
  if (previous) await tf.setBackend(previous);
  return outcomes.map(({ item, started, reason }): AutoProbe => {
    const named = { backend: item.name, label: item.label };
    return started === undefined
      ? { ...named, available: false, reason }
      : { ...named, available: true, report: started };
  });
}
