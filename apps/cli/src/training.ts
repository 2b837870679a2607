import { basename, join, resolve } from 'node:path';
import { describeMeasurements, type InitBackendReport, initBackend } from '@mnist-lab/backends';
import { BatchLoader, takeFirst } from '@mnist-lab/data';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import { modelFromSpec, networkName, runName } from '@mnist-lab/lesson';
import {
  type CheckpointData,
  type EpochRecord,
  fit,
  type OptimizerConfigInput,
  type TrainEvent,
  trainingSpeed,
} from '@mnist-lab/trainer';
import { FileCheckpointStore } from '@mnist-lab/trainer/node';
import { loadData } from './data-source';
import { saveModelDir } from './model-dir';
import { matmulNote, type Output } from './output';
import type { RunConfig } from './run-config';

/** What a finished (or interrupted) run left behind. */
export interface RunOutcome {
  readonly reason: 'completed' | 'aborted';
  readonly history: EpochRecord[];
  readonly out: string;
  readonly modelPath?: string;
}

function optimizerFor(config: RunConfig): OptimizerConfigInput {
  switch (config.optimizer) {
    case 'sgd':
      return { name: 'sgd', lr: config.lr, momentum: config.momentum };
    case 'adam':
      return { name: 'adam', lr: config.lr };
    case 'rmsprop':
      return { name: 'rmsprop', lr: config.lr, momentum: config.momentum };
    default:
      config.optimizer satisfies never;
      throw new Error(`unknown optimizer ${String(config.optimizer)}`);
  }
}

/**
 * The run's backend: the named one, or with `auto` the fastest on this network among those that
 * start here (timed where more than one does, and said).
 */
async function startBackend(config: RunConfig, output: Output) {
  const report = await initBackend({
    prefer: config.backend,
    blas: config.blas,
    trial: () => networkTrial(config),
  });
  logAutoChoice(report, output);
  output.log(
    output.c.dim(
      `backend: ${report.backend} on ${report.device} (${report.deviceKind}, ${report.threads} thread${report.threads === 1 ? '' : 's'})${matmulNote(report, '; ', output.verbose)}`,
    ),
  );
  return report;
}

/** `initBackend`'s trial for `auto`: a few real training steps of the run's network, in samples/s. */
export function networkTrial(config: RunConfig): Promise<number> {
  return trainingSpeed(() => new Mlp(modelFromSpec(config)), {
    loss: crossEntropy,
    optimizer: optimizerFor(config),
    batchSize: config.batchSize,
    inputSize: 784,
    numClasses: 10,
  });
}

/** Where `auto` timed more than one backend: the figures and the choice, on stderr. */
export function logAutoChoice(report: InitBackendReport, output: Output): void {
  if (report.measured === undefined) return;
  output.log(
    output.c.dim(`auto: timed here, ${describeMeasurements(report.measured, report.backend)}`),
  );
}

/**
 * A run's name: `<preset>-seed<seed>`, after its data where that is not MNIST (`--dataset`, or the
 * folder of `--data DIR`): `fashion-mnist-relu-seed1`.
 */
export function trainRunName(config: RunConfig): string {
  return runName({
    ...config,
    dataset: config.data === undefined ? config.dataset : basename(config.data),
  });
}

/** The directory a run writes to: `--out`, else `mnist-lab-runs/<its name>` ({@link trainRunName}). */
export function outDir(config: RunConfig): string {
  return resolve(config.out ?? join('mnist-lab-runs', trainRunName(config)));
}

/**
 * One training run as the CLI does it: backend, data, the lesson's network, `fit` with checkpoints
 * under `<out>/checkpoints`, events to the output, and the model directory at the end.
 */
export async function runTraining(
  config: RunConfig,
  output: Output,
  signal: AbortSignal,
  resume?: CheckpointData,
): Promise<RunOutcome> {
  const report = await startBackend(config, output);
  const data = await loadData(config);
  const pixels = data.train.rows * data.train.cols;
  if (pixels !== 784)
    output.log(
      `${data.name}: images are ${data.train.rows}×${data.train.cols} pixels; the network takes ${pixels} inputs (the lesson's take 28×28 = 784)`,
    );
  const model = new Mlp({
    ...modelFromSpec(config),
    inputSize: pixels,
    numClasses: data.train.numClasses,
  });
  const out = outDir(config);
  const name = networkName(config);
  output.log(
    output.c.dim(
      `data: ${data.name}, ${data.train.count} training and ${data.test.count} test examples; output: ${out}`,
    ),
  );
  try {
    const started = performance.now();
    const result = await fit(
      model,
      new BatchLoader(data.train, { batchSize: config.batchSize, seed: config.seed }),
      {
        epochs: config.epochs,
        optimizer: optimizerFor(config),
        validation: new BatchLoader(data.test, { batchSize: config.batchSize, shuffle: false }),
        ...(config.trainEval === undefined
          ? {}
          : {
              trainEvaluation: new BatchLoader(
                takeFirst(data.train, Math.min(config.trainEval, data.train.count)),
                { batchSize: config.batchSize, shuffle: false },
              ),
            }),
        ...(config.probeEvery === undefined ? {} : { probes: { every: config.probeEvery } }),
        signal,
        fusedSteps: config.fused === 'auto',
        reportEvery: 25,
        checkpoint: {
          store: new FileCheckpointStore(join(out, 'checkpoints'), { keepLast: 2 }),
          ...(config.checkpointEvery === undefined ? {} : { everySteps: config.checkpointEvery }),
        },
        runInfo: config,
        ...(resume === undefined ? {} : { resume }),
        onEvent: runEventWriter(output, config, report.backend),
      },
    );
    output.endProgress();
    if (result.reason === 'aborted') return { reason: 'aborted', history: result.history, out };
    const modelPath = await saveModelDir(out, model, result.history, config);
    output.event({
      event: 'done',
      config: name,
      seed: config.seed,
      model: modelPath,
      epochs: result.history.length,
      seconds: (performance.now() - started) / 1000,
      backend: report.backend,
      matmul: report.matmul,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    });
    return { reason: 'completed', history: result.history, out, modelPath };
  } finally {
    output.endProgress();
    model.dispose();
  }
}

/**
 * What the CLI does with `fit`'s events: the progress bar and the lesson's epoch line for people,
 * and the run's JSON lines (the lesson's event schema: accuracies as fractions).
 */
function runEventWriter(output: Output, config: RunConfig, backend: string) {
  const name = networkName(config);
  return (e: TrainEvent): void => {
    if (e.type === 'batch') output.progress(e, config.epochs);
    if (e.type === 'probe') {
      const { type, ...probe } = e;
      output.event({ event: 'probe', config: name, seed: config.seed, ...probe });
    }
    if (e.type === 'checkpoint')
      output.event({
        event: 'checkpoint',
        config: name,
        seed: config.seed,
        epoch: e.epoch,
        step: e.globalStep,
        path: e.location,
      });
    if (e.type === 'epoch') {
      output.endProgress();
      output.epochLine(e);
      output.event({
        event: 'epoch',
        config: name,
        seed: config.seed,
        epoch: e.epoch,
        trainLoss: e.trainLoss,
        trainAccuracy: e.trainAccuracy,
        testLoss: e.validation?.loss,
        lessonTestLoss: e.validation?.lessonTestLoss,
        testAccuracy: e.validation?.accuracy ?? Number.NaN,
        ...(e.trainEvaluation === undefined
          ? {}
          : {
              trainEvalLoss: e.trainEvaluation.loss,
              trainEvalAccuracy: e.trainEvaluation.accuracy,
            }),
        seconds: e.seconds,
        validationSeconds: e.validationSeconds,
        samplesPerSecond: e.samplesPerSecond,
        backend,
      });
    }
  };
}
