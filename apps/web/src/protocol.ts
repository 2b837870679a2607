import type { BackendMeasurement, BackendProbe, BackendReport } from '@mnist-lab/backends/browser';
import type { IdxFileRole } from '@mnist-lab/data';
import type { MlpConfig } from '@mnist-lab/layers';
import type { EpochRecord, ProbeRecord } from '@mnist-lab/trainer';
import type { DatasetIdentity } from './dataset-identity';
import type { ArchitectureFallback, ModelFromFile } from './model-file';
import type { RunSettings } from './settings';
import type { ImageSource } from './worker-images';

/** Messages from the page to the training worker. */
export type ToWorker =
  | {
      readonly type: 'init';
      readonly dataUrl: string;
      readonly wasmUrl: string;
      /** A backend, `auto` (timed: the fastest), or `measure` (timed, software adapters too). */
      readonly prefer?: string;
      /** The network to time the backends on (auto and measure). */
      readonly network: RunSettings;
      /** Wasm's threads where the page is cross-origin isolated (`?wasmThreads=N`); tfjs's choice without. */
      readonly wasmThreads?: number;
    }
  | {
      readonly type: 'start';
      readonly runId: number;
      readonly settings: RunSettings;
      /** Steps between loss reports; a sweep's runs ask for fewer (the worker's choice without). */
      readonly reportEvery?: number;
    }
  /** A dataset of the user's own: its four IDX files (gzipped or not), as blob URLs. */
  | {
      readonly type: 'data';
      readonly name: string;
      readonly urls: Readonly<Record<IdxFileRole, string>>;
    }
  /** A dataset of the user's own images: a zip, or a folder's files, one sub-folder per class. */
  | { readonly type: 'data-images'; readonly name: string; readonly source: ImageSource }
  | { readonly type: 'pause' | 'resume' | 'stop'; readonly runId: number }
  | {
      readonly type: 'predict';
      readonly runId: number;
      readonly pixels: Float32Array;
      readonly requestId: number;
    }
  | { readonly type: 'inspect'; readonly runId: number }
  /** Lets a run's model go (the page forgot the run). */
  | { readonly type: 'forget'; readonly runId: number }
  | {
      readonly type: 'export';
      readonly runId: number;
      readonly format: ExportFormat;
      /** To keep in this browser (IndexedDB) rather than to download. */
      readonly keep?: boolean;
    }
  | {
      /** A model file (safetensors) to run as a run without training: kept, or chosen by the user. */
      readonly type: 'load';
      readonly runId: number;
      readonly name: string;
      readonly bytes: Uint8Array;
      /** The architecture, when known (a kept run, a CLI model folder's config.json). */
      readonly config?: unknown;
      readonly fallback: ArchitectureFallback;
    };

/** What the lab downloads a trained model as. */
export type ExportFormat = 'safetensors' | 'tfjs' | 'onnx';

/** Messages from the training worker to the page. */
export type FromWorker =
  | {
      readonly type: 'backend';
      readonly report: BackendReport;
      readonly skipped: readonly BackendProbe[];
      /** Each backend timed, when the choice was made by timing. */
      readonly measured: readonly BackendMeasurement[];
    }
  | {
      readonly type: 'data-progress';
      readonly loaded: number;
      readonly total: number;
      /** What is counted: bytes (IDX files), or images (a dataset of images). */
      readonly unit?: 'images';
    }
  | {
      readonly type: 'ready';
      readonly trainCount: number;
      readonly testCount: number;
      readonly samples: Uint8Array;
      readonly sampleLabels: number[];
      readonly dataset: DatasetIdentity;
    }
  /** The user's dataset was refused: why. The one before stays. */
  | { readonly type: 'data-error'; readonly message: string }
  | {
      readonly type: 'batch';
      readonly runId: number;
      readonly globalStep: number;
      readonly epoch: number;
      readonly batch: number;
      readonly batchesPerEpoch: number;
      readonly loss: number;
      readonly samplesPerSecond: number;
    }
  | { readonly type: 'epoch'; readonly runId: number; readonly record: EpochRecord }
  | { readonly type: 'probe'; readonly runId: number; readonly probe: ProbeRecord }
  | {
      readonly type: 'state';
      readonly runId: number;
      readonly state: 'running' | 'paused' | 'stopped' | 'done';
    }
  | {
      readonly type: 'inspection';
      readonly runId: number;
      readonly confusion: number[][];
      readonly samplePredictions: number[];
      readonly weights: Float32Array;
      readonly weightCount: number;
    }
  | {
      readonly type: 'prediction';
      readonly runId: number;
      readonly requestId: number;
      readonly probabilities: number[];
    }
  | {
      readonly type: 'exported';
      readonly runId: number;
      readonly format: ExportFormat;
      /** The files to save, by name (tfjs: model.json and weights.bin). */
      readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[];
      readonly keep?: boolean;
      /** The model's architecture. */
      readonly config: MlpConfig;
    }
  | {
      readonly type: 'loaded';
      readonly runId: number;
      readonly config: MlpConfig;
      readonly architecture: ModelFromFile['architecture'];
    }
  | { readonly type: 'error'; readonly runId?: number; readonly message: string };

/** How many test digits the results grid shows. */
export const SAMPLE_COUNT = 48;
/** How many first-layer units are drawn as images. */
export const WEIGHT_IMAGES = 32;
