import type { BackendName } from '@mnist-lab/contracts';

export type { BackendName, BrowserBackendName, NodeBackendName } from '@mnist-lab/contracts';

/** What was started, said plainly enough for a user to trust or question it. */
export interface BackendReport {
  /** The tfjs backend name now active (`tf.getBackend()`). */
  readonly backend: BackendName;
  /** The device that computes: a GPU's name, or the CPU's model. */
  readonly device: string;
  /** `hardware` for a real GPU, `software` for an emulated one (SwiftShader), `cpu` otherwise. */
  readonly deviceKind: 'hardware' | 'software' | 'cpu';
  /** Threads the backend computes with. */
  readonly threads: number;
  /** The npm package that provides the backend. */
  readonly packageName: string;
  /** The version of `@tensorflow/tfjs-core` in use. */
  readonly tfjsVersion: string;
  /**
   * What computes matrix products, where the backend offers a choice (wasm: OpenBLAS or XNNPACK),
   * with how it was chosen (OpenBLAS: each kernel's timing on this CPU, the threads).
   */
  readonly matmul?: string;
  /** {@link BackendReport.matmul} in a few words, for a line printed on every run. */
  readonly matmulSummary?: string;
}

/** One backend as `auto` saw it: usable, or why not. */
export interface BackendProbe {
  readonly backend: BackendName;
  readonly available: boolean;
  /** Why it cannot start and how to fix that; absent when available. */
  readonly reason?: string;
}
