// The backends the numeric tests run on, declared once for every package's tests.
import { BackendUnavailableError, type InitBackendOptions, initBackend } from '@mnist-lab/backends';
import type { NodeBackendName } from '@mnist-lab/contracts';

/** One backend a numeric suite runs on, with why it is skipped here (if it is). */
export type TestBackend = InitBackendOptions & {
  readonly label: string;
  readonly prefer: NodeBackendName;
  readonly skip?: string;
};

/**
 * The CPU backends: cpu; wasm twice, with its matrix products and the SGD update on OpenBLAS (what
 * Node uses; `npm test` installs libopenblas0-pthread) and on XNNPACK with tfjs's element-wise
 * kernels (pure wasm, what browsers run).
 */
export const CPU_TEST_BACKENDS: readonly TestBackend[] = [
  { label: 'cpu', prefer: 'cpu' },
  { label: 'wasm + OpenBLAS', prefer: 'wasm', blas: 'require' },
  { label: 'wasm, XNNPACK', prefer: 'wasm', blas: 'off' },
];

/**
 * {@link CPU_TEST_BACKENDS} and webgpu (on a machine without a GPU, SwiftShader from Debian's
 * chromium: see tooling/vitest-swiftshader.ts). Where no WebGPU adapter exists, webgpu carries the
 * reason as `skip`, and its suites are reported as skipped with it in their titles.
 */
export async function testBackendsWithWebgpu(): Promise<readonly TestBackend[]> {
  const skip = await webgpuUnavailable();
  return [...CPU_TEST_BACKENDS, { label: 'webgpu', prefer: 'webgpu', ...(skip && { skip }) }];
}

/** Why webgpu cannot run here (no adapter, even SwiftShader), or undefined when it can. */
export async function webgpuUnavailable(): Promise<string | undefined> {
  try {
    await initBackend({ prefer: 'webgpu' });
    return undefined;
  } catch (error) {
    if (BackendUnavailableError.isInstance(error)) return error.message;
    throw error;
  }
}
