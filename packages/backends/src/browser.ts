import { BROWSER_BACKENDS } from '@mnist-lab/contracts';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendProbe, BackendReport, BrowserBackendName } from './choose/backend-report';
import { type BackendMeasurement, chooseByMeasurement } from './choose/browser-measure';
import { report, setBackendOrThrow } from './choose/start-backend';
import {
  nothingStarted,
  reasonsOf,
  skippedOf,
  softwareAdapter,
  startedOf,
  tryInOrder,
} from './choose/try-in-order';
import { describeAdapter } from './choose/webgpu-adapter';
import { BackendUnavailableError } from './errors';
import { installSpeedFixes, removeSpeedFixes } from './kernels/register-kernels';

export type {
  BackendName,
  BackendProbe,
  BackendReport,
  BrowserBackendName,
  NodeBackendName,
} from './choose/backend-report';
export type { BackendMeasurement } from './choose/browser-measure';
export { describeMeasurements } from './choose/measure';
export type { AdapterDescription, AdapterLike } from './choose/webgpu-adapter';
export { describeAdapter } from './choose/webgpu-adapter';
export { BackendUnavailableError } from './errors';

/** Options of the browser's {@link initBackend}. */
export interface BrowserInitOptions {
  /**
   * `auto` (the default) tries webgpu, webgl, wasm, cpu; a name starts exactly that backend;
   * `measure` (with `trial`) times each and keeps the fastest.
   */
  readonly prefer?: 'auto' | 'measure' | BrowserBackendName;
  /**
   * A few real training steps of the network to be trained, on the active backend: its samples per
   * second. With it, `auto` times every backend that starts on real hardware (and `measure` every
   * one, software adapters included) and keeps the fastest, reporting every figure (`measured`).
   */
  readonly trial?: () => Promise<number>;
  /**
   * Where the wasm backend's `.wasm` files are served (`setWasmPaths`): a directory URL ending in
   * `/`, or one URL per file. Bundlers do not copy them; the app passes the URLs it serves.
   */
  readonly wasmPaths?:
    | string
    | Partial<
        Record<
          | 'tfjs-backend-wasm.wasm'
          | 'tfjs-backend-wasm-simd.wasm'
          | 'tfjs-backend-wasm-threaded-simd.wasm',
          string
        >
      >;
  /**
   * The URL of tfjs-backend-wasm's own `wasm-out/tfjs-backend-wasm-threaded-simd.js`, served as a
   * file: with it, wasm runs its threaded build (tfjs's ops on several cores) where the page
   * is cross-origin isolated. tfjs gives each of its pthread workers the bundled module factory's
   * source text to load, which a minifying bundler breaks; the workers load this unbundled file
   * instead. Without it, wasm runs the single-threaded SIMD build, isolated or not.
   */
  readonly wasmThreadsScript?: string;
  /**
   * Threads for the threaded build. Defaults to tfjs's own choice, half the logical cores (at most
   * 8), and below 2 the single-threaded build runs instead: one thread of the threaded build only
   * adds the costs of shared memory, and on 2 cores two threads trained slower than one here.
   */
  readonly wasmThreads?: number;
  /** Install the measured speed fixes (wasm's transposed products). Defaults to true. */
  readonly speedFixes?: boolean;
}

/** How tfjs-backend-wasm 4.22 starts the source it gives its pthread workers as their main script. */
const THREADED_FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd = ';

/**
 * Runs `start` (the wasm backend's initialization) with the pthread workers' main script taken from
 * `url`: while it runs, a Blob made of the bundled factory's source (what tfjs makes for the
 * workers) is made of `importScripts(url)` instead. Any other Blob is made as usual.
 */
async function withThreadsScript<T>(
  url: string,
  threads: number,
  start: () => Promise<T>,
): Promise<T> {
  const Original = globalThis.Blob;
  // tfjs-wasm caps its pool at half of `hardwareConcurrency`, read while its module starts: for
  // `threads` of them it has to read twice that.
  // An own property shadows the prototype's getter; one the page had set is put back after.
  const navigator = globalThis.navigator as { hardwareConcurrency?: number } | undefined;
  const own =
    navigator === undefined
      ? undefined
      : Object.getOwnPropertyDescriptor(navigator, 'hardwareConcurrency');
  if (navigator !== undefined) {
    Object.defineProperty(navigator, 'hardwareConcurrency', {
      value: 2 * threads,
      configurable: true,
    });
  }
  const absolute = new URL(url, globalThis.location?.href).href;
  globalThis.Blob = class extends Original {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      const first = parts?.length === 1 ? parts[0] : undefined;
      const factory = typeof first === 'string' && first.startsWith(THREADED_FACTORY_PREFIX);
      super(factory ? [`importScripts(${JSON.stringify(absolute)});`] : parts, options);
    }
  };
  try {
    return await start();
  } finally {
    globalThis.Blob = Original;
    if (navigator !== undefined) {
      delete navigator.hardwareConcurrency;
      if (own !== undefined) Object.defineProperty(navigator, 'hardwareConcurrency', own);
    }
  }
}

/**
 * The order `auto` tries in a browser. A GPU backend that turns out to run on a software adapter
 * is passed over for wasm.
 */
export const BROWSER_AUTO_ORDER: readonly BrowserBackendName[] = BROWSER_BACKENDS;

let gradients: Promise<unknown> | undefined;

/**
 * Registers tfjs's gradients, once; bundlers resolve core's own registration module (with `.js`:
 * the extensionless specifier is the one this package's Node build bundles instead).
 */
export function registerGradients(): Promise<void> {
  gradients ??= import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  return gradients.then(() => undefined);
}

/**
 * The GPU backends are optional peers, used when the app imports them (which registers them with
 * tfjs), so that a bundle carries only the backends its app wants; wasm and cpu come with this
 * package.
 */
function requireRegistered(name: 'webgpu' | 'webgl'): void {
  if (tf.findBackendFactory(name) !== null) return;
  const pkg = `@tensorflow/tfjs-backend-${name}`;
  throw new BackendUnavailableError(
    name,
    `backend '${name}' is not part of this app: npm install ${pkg}@4.22.0 and import '${pkg}' before initBackend to use it`,
  );
}

const cpuName = () => `CPU (${globalThis.navigator?.hardwareConcurrency ?? 1} logical cores)`;

const starters: Record<BrowserBackendName, (o: BrowserInitOptions) => Promise<BackendReport>> = {
  async webgpu() {
    const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
    if (gpu === undefined) {
      throw new BackendUnavailableError(
        'webgpu',
        "backend 'webgpu' is unavailable: this browser has no navigator.gpu (WebGPU is off, unsupported, or the page is not a secure context)",
      );
    }
    const adapter = await gpu.requestAdapter();
    if (adapter === null)
      throw new BackendUnavailableError(
        'webgpu',
        "backend 'webgpu' is unavailable: the browser found no WebGPU adapter",
      );
    const { device, deviceKind } = describeAdapter(adapter);
    requireRegistered('webgpu');
    await setBackendOrThrow('webgpu', '@tensorflow/tfjs-backend-webgpu');
    return report('webgpu', '@tensorflow/tfjs-backend-webgpu', device, deviceKind, 1);
  },
  async webgl() {
    requireRegistered('webgl');
    await setBackendOrThrow('webgl', '@tensorflow/tfjs-backend-webgl');
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer =
      gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'WebGL device';
    return report(
      'webgl',
      '@tensorflow/tfjs-backend-webgl',
      renderer,
      /swiftshader|llvmpipe|software/i.test(renderer) ? 'software' : 'hardware',
      1,
    );
  },
  async wasm(options) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
    // The threaded build runs only where SharedArrayBuffer does (a cross-origin isolated page), and
    // in a bundle only with the unbundled script for its workers.
    const script = options.wasmThreadsScript;
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    const threads = options.wasmThreads ?? Math.min(8, Math.floor(cores / 2));
    const start = () => setBackendOrThrow('wasm', '@tensorflow/tfjs-backend-wasm');
    if (script !== undefined && globalThis.crossOriginIsolated === true && threads > 1) {
      wasm.setThreadsCount(threads);
      await withThreadsScript(script, threads, start);
    } else {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      await start();
    }
    return report(
      'wasm',
      '@tensorflow/tfjs-backend-wasm',
      cpuName(),
      'cpu',
      wasm.getThreadsCount(),
    );
  },
  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
    await setBackendOrThrow('cpu', '@tensorflow/tfjs-backend-cpu');
    return report('cpu', '@tensorflow/tfjs-backend-cpu', cpuName(), 'cpu', 1);
  },
};

/**
 * Starts the best (or the named) tfjs backend in a browser, registers gradients, installs the
 * speed fixes, and reports what runs: `auto` tries webgpu, webgl, wasm, then cpu.
 */
export async function initBackend(options: BrowserInitOptions = {}): Promise<
  BackendReport & {
    readonly skipped: readonly BackendProbe[];
    readonly measured?: readonly BackendMeasurement[];
  }
> {
  await registerGradients();
  const prefer = options.prefer ?? 'auto';
  if ((prefer === 'auto' || prefer === 'measure') && options.trial !== undefined) {
    const trial = options.trial;
    return chooseByMeasurement({
      // The CPU backend only where nothing else starts: it is never the fastest.
      order: BROWSER_AUTO_ORDER.filter((n) => n !== 'cpu'),
      start: (name) =>
        (starters[name] as (o: BrowserInitOptions) => Promise<BackendReport>)(options),
      trial,
      includeSoftware: prefer === 'measure',
    }).catch(async (error) => {
      if (!BackendUnavailableError.isInstance(error)) throw error;
      const cpu = await starters.cpu(options);
      return { ...cpu, skipped: [], measured: [] };
    });
  }
  if (prefer === 'measure')
    throw new BackendUnavailableError('measure', "prefer: 'measure' needs a trial to time");
  const withFixes = (started: BackendReport) => {
    if (options.speedFixes ?? true) installSpeedFixes(started.backend);
    else removeSpeedFixes();
    return started;
  };
  if (prefer !== 'auto') {
    const start = starters[prefer];
    if (start === undefined) {
      throw new BackendUnavailableError(
        prefer,
        `unknown backend '${prefer}'; expected one of auto, ${BROWSER_AUTO_ORDER.join(', ')}`,
      );
    }
    return { ...withFixes(await start(options)), skipped: [] };
  }
  const outcomes = await tryInOrder(
    BROWSER_AUTO_ORDER,
    async (name) => {
      const started = await starters[name](options);
      if (started.deviceKind === 'software')
        throw softwareAdapter(name, started.device, `?backend=${name} asks for it anyway`);
      return started;
    },
    { untilOne: true },
  );
  const skipped = skippedOf(outcomes);
  const first = startedOf(outcomes)[0];
  if (first === undefined) throw nothingStarted(reasonsOf(outcomes), 'inline');
  return { ...withFixes(first.started), skipped };
}
