import { BLAS_THREADS_ENV } from '@mnist-lab/backends';
import {
  type ComparedNetwork,
  claimNetworks,
  LESSON_CLAIMS,
  LESSON_CONTROLS,
  LESSON_RECIPE,
  type LessonClaim,
  type LessonControl,
  type LessonPreset,
} from '@mnist-lab/lesson';
import type { CompareRun } from './child-runs';

/** What `compare` was asked for, as far as planning its runs goes. */
export interface PlanOptions {
  readonly presets: readonly LessonPreset[];
  readonly seeds: number;
  readonly epochs: number;
  readonly controls: boolean;
  readonly probeEvery?: number | undefined;
  readonly trainEval?: number | undefined;
  readonly trainSize?: number | undefined;
}

/** Probes per run that the mechanism charts want: about this many over the whole run. */
const PROBES_PER_RUN = 40;
/** Never more often than this: a probe costs about 1.5 steps (BENCHMARKS.md, "Probes"). */
const MIN_PROBE_EVERY = 100;
/** Training examples measured in eval mode after each epoch, for the dropout chart. */
const TRAIN_EVAL_EXAMPLES = 10_000;

/**
 * The networks a comparison runs: the presets asked for, then each control network that one of
 * the lesson's claims needs beside them (dropout's: ReLU without dropout; He initialization's: ReLU
 * without batch norm or dropout, with each initialization), unless `controls` is off.
 */
export function comparedNetworks(
  presets: readonly LessonPreset[],
  controls: boolean,
): ComparedNetwork[] {
  const wanted = new Set<ComparedNetwork>(presets);
  const extra: LessonControl[] = [];
  if (!controls) return [...presets];
  for (const claim of Object.keys(LESSON_CLAIMS) as LessonClaim[]) {
    if (!wanted.has(LESSON_CLAIMS[claim].with)) continue;
    for (const network of claimNetworks(claim))
      if (network in LESSON_CONTROLS && !wanted.has(network)) {
        extra.push(network as LessonControl);
        wanted.add(network);
      }
  }
  return [...presets, ...extra];
}

/** Every run: each network over seeds 1..N. */
export function plannedRuns(networks: readonly ComparedNetwork[], seeds: number): CompareRun[] {
  return networks.flatMap((network) =>
    Array.from({ length: seeds }, (_, i) => ({ network, seed: i + 1 })),
  );
}

/** How often each run probes: `--probe-every`, else about 40 probes per run, at most every 100 steps. */
export function probeCadence(o: PlanOptions): number {
  if (o.probeEvery !== undefined) return o.probeEvery;
  const steps = Math.ceil((o.trainSize ?? 60_000) / LESSON_RECIPE.batchSize) * o.epochs;
  return Math.max(MIN_PROBE_EVERY, Math.round(steps / PROBES_PER_RUN / 10) * 10);
}

/** A run's flags for `train`: its network (a preset, or a control's preset and change), seed, epochs, probes. */
export function runArgs(run: CompareRun, o: PlanOptions, out: string): string[] {
  const control = (LESSON_CONTROLS as Record<string, (typeof LESSON_CONTROLS)[LessonControl]>)[
    run.network
  ];
  const network =
    control === undefined
      ? ['--preset', run.network]
      : [
          '--preset',
          control.preset,
          ...Object.entries(control.change).flatMap(([k, v]) => [
            `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
            String(v),
          ]),
        ];
  return [
    ...network,
    '--seed',
    String(run.seed),
    '--epochs',
    String(o.epochs),
    '--probe-every',
    String(probeCadence(o)),
    '--train-eval',
    String(Math.min(o.trainEval ?? TRAIN_EVAL_EXAMPLES, o.trainSize ?? TRAIN_EVAL_EXAMPLES)),
    '--out',
    out,
  ];
}

/**
 * How many runs to start at a time on `cores` cores of a single-threaded backend: as many as the
 * cores, unless more would end sooner. Each run is its own process and computes the same bits
 * however it is scheduled, so the only question is the tail: 5 runs on 2 cores, 2 at a time, end
 * with one run alone on one core (3 run lengths); 3 at a time share the cores and end after 2.5.
 * Modelled with equal run lengths and the cores shared evenly, the smallest count whose model
 * ends first (measured on Machine C, 2 cores: 5 runs 57.6 s 2 at a time, 52.7 s 3 at a time).
 */
export function balancedJobs(runs: number, cores: number): number {
  if (runs <= cores) return Math.max(1, runs);
  // Run lengths until the last run ends, starting `jobs` at a time (waves, each as long as its
  // runs take when they share the cores).
  const ends = (jobs: number) => {
    const wave = (n: number) => (n === 0 ? 0 : Math.max(1, n / cores));
    return Math.floor(runs / jobs) * wave(jobs) + wave(runs % jobs);
  };
  let best = cores;
  for (let jobs = cores + 1; jobs <= Math.min(runs, 2 * cores); jobs++)
    if (ends(jobs) < ends(best) - 1e-9) best = jobs;
  return best;
}

/**
 * The runs' environment: `env`, except that with MNIST_LAB_BLAS_THREADS=auto each run gets its
 * share of the `cores` (it would otherwise time OpenBLAS alone, take every core and then fight the
 * others). `env` itself is left as it is.
 */
export function runEnvironment(
  jobs: number,
  cores: number,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  if (env[BLAS_THREADS_ENV] !== 'auto') return env;
  return { ...env, [BLAS_THREADS_ENV]: String(Math.max(1, Math.floor(cores / jobs))) };
}
