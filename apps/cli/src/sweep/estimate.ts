import { initBackend } from '@mnist-lab/backends';
import { Mlp, parseMlpConfig } from '@mnist-lab/layers';
import { modelFromSpec, type RunSpec, type SweepRun } from '@mnist-lab/lesson';
import { fit, type TrainBatch } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';

/** Training examples of a run that does not say (MNIST's and Fashion-MNIST's training set). */
const FULL_TRAIN = 60_000;
const FULL_TEST = 10_000;
/** What starting a run costs besides training (a process, tfjs, the data): about 1.5 s measured. */
const START_SECONDS = 1.5;
const WARMUP_STEPS = 5;
const TIMED_STEPS = 30;

/** What a sweep will take on this machine, from training steps timed just now. */
export interface SweepEstimate {
  /** The backend and device the steps were timed on. */
  readonly backend: string;
  readonly device: string;
  /** Milliseconds per step of the timed network (the first run's), at its batch size. */
  readonly msPerStep: number;
  /** Threads the timed steps computed with. */
  readonly threads: number;
  /** Seconds of all the runs' training and evaluation, one after another, at the timed speed. */
  readonly computeSeconds: number;
  /** Wall-clock seconds with `jobs` runs at a time on `cores` cores. */
  readonly wallSeconds: number;
}

const paramCount = (spec: RunSpec) => {
  const m = parseMlpConfig(modelFromSpec(spec));
  const widths = [m.inputSize, ...m.hidden, m.numClasses];
  return widths.slice(1).reduce((s, w, i) => s + (widths[i] as number) * w + w, 0);
};

/** A run's work in units of "one example through the timed network, forward and backward". */
function work(spec: RunSpec, params0: number): number {
  const scale = paramCount(spec) / params0;
  const train = spec.trainSize ?? FULL_TRAIN;
  const test = spec.testSize ?? FULL_TEST;
  // An evaluated example is a forward pass: about a third of a training step's work.
  return scale * spec.epochs * (train + test / 3);
}

/** Synthetic batches for timing: random pixels and labels, the data's shapes. */
function batches(count: number, batchSize: number) {
  return {
    batchesPerEpoch: count,
    *epoch() {
      for (let i = 0; i < count; i++)
        yield {
          x: tf.randomUniform([batchSize, 784]),
          y: tf.randomUniform([batchSize], 0, 10, 'int32'),
        } as TrainBatch;
    },
  };
}

/**
 * Times a few training steps of the sweep's first network on the backend its runs ask for, and
 * scales them to every run by its parameters, examples and epochs, and to the cores the runs share:
 * an estimate, good to a factor of about 1.5 (a network's time is not exactly proportional to its
 * parameters, nor a multi-threaded backend's to its threads).
 */
export async function estimateSweep(
  runs: readonly SweepRun[],
  jobs: number,
  cores: number,
): Promise<SweepEstimate> {
  const first = (runs[0] as SweepRun).spec;
  const report = await initBackend({ prefer: first.backend, blas: first.blas });
  const model = new Mlp(modelFromSpec(first));
  const optimizer = { name: 'sgd', lr: 0.01, momentum: 0.5 } as const;
  const fusedSteps = first.fused === 'auto';
  try {
    await fit(model, batches(WARMUP_STEPS, first.batchSize), { epochs: 1, optimizer, fusedSteps });
    const start = performance.now();
    await fit(model, batches(TIMED_STEPS, first.batchSize), {
      epochs: 1,
      optimizer,
      fusedSteps,
      reportEvery: 1_000_000,
    });
    const msPerStep = (performance.now() - start) / TIMED_STEPS;
    const params0 = paramCount(first);
    const perExample = msPerStep / 1000 / first.batchSize;
    const computeSeconds = runs.reduce((s, r) => s + work(r.spec, params0) * perExample, 0);
    // The runs share the cores: `threads` cores' worth each as timed, `min(jobs, cores)` at once
    // (a run of a single-threaded backend such as wasm takes a core of its own).
    const busy = Math.max(1, Math.min(jobs, cores));
    const wallSeconds =
      (computeSeconds * Math.min(report.threads, cores)) / busy +
      (START_SECONDS * runs.length) / busy;
    return {
      backend: report.backend,
      device: report.device,
      threads: report.threads,
      msPerStep,
      computeSeconds,
      wallSeconds,
    };
  } finally {
    model.dispose();
  }
}

/** Seconds for people: `40 s`, `12 min`, `3.4 h`. */
export function durationText(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
