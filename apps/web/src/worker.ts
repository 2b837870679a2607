/// <reference lib="webworker" />
import { initBackend } from '@mnist-lab/backends/browser';
import { BatchLoader, type DatasetSplits, idxUrls, takeFirst } from '@mnist-lab/data';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import { modelFromSpec, probabilities } from '@mnist-lab/lesson';
import { evaluate, fit, trainingSpeed } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetIdentity } from './dataset-identity';
import { modelFromFile } from './model-file';
import { modelFiles } from './model-files';
import { type FromWorker, SAMPLE_COUNT, type ToWorker, WEIGHT_IMAGES } from './protocol';
import { type RunSettings, WEB_DATA_LIMITS } from './settings';
import { askedBackend } from './worker-backend';
import { loadDataset, loadImageDataset } from './worker-data';

// Training runs here, off the page's thread: the page stays responsive whatever the backend does.
declare const self: DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []) =>
  self.postMessage(message, transfer);

interface Run {
  readonly model: Mlp;
  /** The data it trained on (none for a model from a file). */
  readonly dataset?: DatasetIdentity;
  readonly controller: AbortController;
  paused: boolean;
  resumeWaiter?: () => void;
  /** Steps between loss reports, where the page asked (a sweep's runs). */
  readonly reportEvery?: number;
}
const runs = new Map<number, Run>();
let data: (DatasetSplits & { identity: DatasetIdentity }) | undefined;
/** The whole test set in batches of 500, for the confusion matrix and the sample digits. */
let inspectLoader: BatchLoader | undefined;

/** Lets queued messages (pause, stop, predict) in between training steps. */
const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function init(message: Extract<ToWorker, { type: 'init' }>) {
  // The GPU backends are optional for @mnist-lab/backends: an app brings the ones it wants.
  await Promise.all([
    import('@tensorflow/tfjs-backend-webgpu'),
    import('@tensorflow/tfjs-backend-webgl'),
  ]);
  const report = await initBackend({
    prefer: askedBackend(message.prefer),
    wasmPaths: message.wasmUrl,
    // Threads where the page is isolated (the service worker's headers) and tfjs would use 2+.
    wasmThreadsScript: `${message.wasmUrl}tfjs-backend-wasm-threaded-simd.js`,
    ...(message.wasmThreads === undefined ? {} : { wasmThreads: message.wasmThreads }),
    trial: () =>
      trainingSpeed(() => modelFor(message.network), {
        loss: crossEntropy,
        optimizer: { name: 'sgd', lr: message.network.lr, momentum: message.network.momentum },
        batchSize: message.network.batchSize,
        inputSize: 784,
        numClasses: 10,
      }),
  });
  post({ type: 'backend', report, skipped: report.skipped, measured: report.measured ?? [] });
  data = await loadDataset('mnist', idxUrls(message.dataUrl, '.gz'), post);
}

function modelFor(settings: RunSettings): Mlp {
  return new Mlp(modelFromSpec({ ...settings, hidden: [...settings.hidden] }));
}

async function start(runId: number, settings: RunSettings, reportEvery?: number) {
  if (data === undefined) throw new Error('the data is not loaded yet');
  const run: Run = {
    model: modelFor(settings),
    dataset: data.identity,
    controller: new AbortController(),
    paused: false,
    ...(reportEvery === undefined ? {} : { reportEvery }),
  };
  runs.set(runId, run);
  try {
    await train(runId, run, settings, data);
  } catch (error) {
    // A failed run keeps nothing: its model is let go, and the worker takes the next run.
    runs.delete(runId);
    run.model.dispose();
    throw error;
  }
}

async function train(runId: number, run: Run, settings: RunSettings, splits: DatasetSplits) {
  const train = new BatchLoader(takeFirst(splits.train, settings.trainSize), {
    batchSize: settings.batchSize,
    seed: settings.seed,
  });
  const test = new BatchLoader(takeFirst(splits.test, settings.testSize), {
    batchSize: settings.batchSize,
    shuffle: false,
  });
  post({ type: 'state', runId, state: 'running' });
  const result = await fit(run.model, train, {
    epochs: settings.epochs,
    optimizer: { name: 'sgd', lr: settings.lr, momentum: settings.momentum },
    validation: test,
    ...(settings.probeEvery === undefined ? {} : { probes: { every: settings.probeEvery } }),
    ...(settings.trainEval === undefined
      ? {}
      : {
          trainEvaluation: new BatchLoader(
            takeFirst(splits.train, Math.min(settings.trainEval, settings.trainSize)),
            { batchSize: 500, shuffle: false },
          ),
        }),
    signal: run.controller.signal,
    // Every step's loss on the chart for short runs; every fifth for long ones (each report reads
    // the loss back from the device); a sweep's, every tenth (several runs report at once).
    reportEvery: run.reportEvery ?? (train.batchesPerEpoch <= 200 ? 1 : 5),
    onEvent: async (e) => {
      if (e.type === 'batch') {
        post({
          type: 'batch',
          runId,
          globalStep: e.globalStep,
          epoch: e.epoch,
          batch: e.batch,
          batchesPerEpoch: e.batchesPerEpoch ?? 0,
          loss: e.loss,
          samplesPerSecond: e.samplesPerSecond,
        });
        await yieldToMessages();
        if (run.paused && !run.controller.signal.aborted) {
          // Paused here, between steps: say so only now, so that no step follows the word.
          post({ type: 'state', runId, state: 'paused' });
          while (run.paused && !run.controller.signal.aborted) {
            await new Promise<void>((resolve) => (run.resumeWaiter = resolve));
          }
          post({ type: 'state', runId, state: 'running' });
        }
      }
      if (e.type === 'probe') {
        const { type: _type, ...probe } = e;
        post({ type: 'probe', runId, probe });
      }
      if (e.type === 'epoch') {
        // Its probes went to the page one by one as they came: the record goes without them.
        const { type: _type, probes: _probes, ...record } = e;
        post({ type: 'epoch', runId, record });
        await inspect(runId, false);
      }
    },
  });
  await inspect(runId, true);
  post({ type: 'state', runId, state: result.reason === 'aborted' ? 'stopped' : 'done' });
}

/**
 * The sample digits' predictions and the first layer's weights as images; with `confusion`, also
 * the confusion matrix over the whole test set (at the end of a run: it costs an evaluation).
 */
async function inspect(runId: number, confusion: boolean) {
  const run = runs.get(runId);
  if (run === undefined || data === undefined) return;
  inspectLoader ??= new BatchLoader(data.test, { batchSize: 500, shuffle: false });
  const test = inspectLoader;
  const matrix = confusion ? (await evaluate(run.model, test)).confusion : [];
  const batch = test.makeBatch(Array.from({ length: SAMPLE_COUNT }, (_, i) => i));
  const predicted = tf.tidy(() => tf.argMax(run.model.forward(batch.x, { training: false }), 1));
  const samplePredictions = Array.from(await predicted.data());
  tf.dispose([batch.x, batch.y, predicted]);
  const weight = run.model.stateDict()['fc1.weight'] as tf.Tensor2D;
  const rows = tf.tidy(() => {
    const w = tf.slice(weight, [0, 0], [Math.min(WEIGHT_IMAGES, weight.shape[0]), weight.shape[1]]);
    const min = tf.min(w, 1, true);
    return tf.div(tf.sub(w, min), tf.add(tf.sub(tf.max(w, 1, true), min), 1e-8));
  });
  const weights = (await rows.data()) as Float32Array;
  const weightCount = rows.shape[0] as number;
  rows.dispose();
  post({ type: 'inspection', runId, confusion: matrix, samplePredictions, weights, weightCount }, [
    weights.buffer,
  ]);
}

/** The selected run's model as files: safetensors (PyTorch's names), a tfjs LayersModel, or ONNX. */
async function exportModel(message: Extract<ToWorker, { type: 'export' }>) {
  const run = runs.get(message.runId);
  if (run === undefined) return;
  const files = await modelFiles(run.model, message.format, run.dataset);
  post(
    {
      type: 'exported',
      runId: message.runId,
      format: message.format,
      files,
      config: run.model.config,
      ...(message.keep === true ? { keep: true } : {}),
    },
    files.map((f) => f.bytes.buffer as ArrayBuffer),
  );
}

/** A model from a file (or kept in the browser) becomes a run that predicts and exports. */
async function load(message: Extract<ToWorker, { type: 'load' }>) {
  const { model, architecture } = modelFromFile(
    message.name,
    message.bytes,
    message.fallback,
    message.config,
  );
  runs.set(message.runId, { model, controller: new AbortController(), paused: false });
  post({ type: 'loaded', runId: message.runId, config: model.config, architecture });
  await inspect(message.runId, true);
}

async function predict(message: Extract<ToWorker, { type: 'predict' }>) {
  const run = runs.get(message.runId);
  if (run === undefined) return;
  const x = tf.tensor2d(message.pixels, [1, 784]);
  const probs = probabilities(run.model, x);
  x.dispose();
  post({
    type: 'prediction',
    runId: message.runId,
    requestId: message.requestId,
    probabilities: Array.from(await probs.data()),
  });
  probs.dispose();
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'init':
        await init(message);
        break;
      case 'start':
        await start(message.runId, message.settings, message.reportEvery);
        break;
      case 'data-images':
        try {
          data = await loadImageDataset(message.name, message.source, post);
          inspectLoader = undefined;
        } catch (error) {
          post({ type: 'data-error', message: (error as Error).message });
        }
        break;
      case 'data':
        // A user's dataset: the one before stays until this one has loaded whole.
        try {
          data = await loadDataset(message.name, message.urls, post, WEB_DATA_LIMITS.fileBytes);
          inspectLoader = undefined;
        } catch (error) {
          post({ type: 'data-error', message: (error as Error).message });
        }
        break;
      case 'pause':
      case 'resume': {
        const run = runs.get(message.runId);
        if (run === undefined) break;
        run.paused = message.type === 'pause';
        if (!run.paused) run.resumeWaiter?.();
        break;
      }
      case 'stop': {
        const run = runs.get(message.runId);
        run?.controller.abort();
        run?.resumeWaiter?.();
        break;
      }
      case 'predict':
        await predict(message);
        break;
      case 'inspect':
        await inspect(message.runId, true);
        break;
      case 'export':
        await exportModel(message);
        break;
      case 'load':
        await load(message);
        break;
      case 'forget': {
        const run = runs.get(message.runId);
        // The page forgets only runs that are not training.
        if (run === undefined) break;
        runs.delete(message.runId);
        run.model.dispose();
        break;
      }
      default:
        message satisfies never;
    }
  } catch (error) {
    post({
      type: 'error',
      ...('runId' in message ? { runId: message.runId } : {}),
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
