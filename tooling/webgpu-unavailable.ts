// For the numeric tests: why webgpu cannot run here (no adapter, even SwiftShader), or undefined
// when it can. Its suites are then reported as skipped with this reason in their titles.
import { BackendUnavailableError, initBackend } from '@mnist-lab/backends';

export async function webgpuUnavailable(): Promise<string | undefined> {
  try {
    await initBackend({ prefer: 'webgpu' });
    return undefined;
  } catch (error) {
    if (BackendUnavailableError.isInstance(error)) return error.message;
    throw error;
  }
}
