import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { SweepRun } from '@mnist-lab/lesson';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import { runChild } from '../compare/child-runs';
import { balancedJobs, runEnvironment } from '../compare/plan';
import type { Output } from '../output';
import {
  appendResult,
  failedResult,
  readResults,
  resultOf,
  type SweepResult,
  sweepPaths,
} from './folder';

/** Checkpoints every this many steps as well as at each epoch's end: a stop loses little. */
const CHECKPOINT_EVERY = 500;

/** How a run starts: fresh, from its folder's checkpoint, or only collected (it had finished). */
async function startOf(dir: string, run: SweepRun): Promise<'fresh' | 'resume' | 'collect'> {
  const folder = sweepPaths(dir).run(run.id);
  if (existsSync(join(folder, 'model.safetensors'))) return 'collect';
  try {
    const steps = (await readdir(join(folder, 'checkpoints'))).filter((e) => e.startsWith('step-'));
    if (steps.length > 0) return 'resume';
  } catch {
    // No checkpoint yet: it starts anew.
  }
  return 'fresh';
}

/** What a sweep's runs left: the result lines (old and new), and each failure in words. */
export interface SweepOutcome {
  readonly results: Map<string, SweepResult>;
  /** Runs that stopped with an error (not those whose loss diverged: that is a result). */
  readonly failures: { id: string; reason: string }[];
  readonly stopped: boolean;
}

/**
 * Runs every run of `runs` that has no result line yet, `jobs` at a time in child processes
 * (`train --json`, each in its own folder under `runs/`), appending each result as it finishes: a
 * finished run is never run again, an interrupted one resumes from its checkpoint, the same bits
 * as if it had not stopped. Starts no new run once `stop` aborts.
 */
export async function runSweep(
  dir: string,
  runs: readonly SweepRun[],
  options: { jobs?: number; output: Output; stop: AbortSignal },
): Promise<SweepOutcome> {
  const results = await readResults(dir);
  const pending = runs.filter((r) => !results.has(r.id));
  const jobs = options.jobs ?? balancedJobs(pending.length, availableParallelism());
  const env = runEnvironment(jobs, availableParallelism());
  const failures: { id: string; reason: string }[] = [];
  const queue = [...pending];
  let done = runs.length - pending.length;
  const worker = async () => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      if (options.stop.aborted) return;
      const paths = sweepPaths(dir);
      const how = await startOf(dir, run);
      const started = performance.now();
      if (how !== 'collect') {
        await mkdir(dirname(paths.spec(run.id)), { recursive: true });
        await writeFileAtomic(paths.spec(run.id), `${JSON.stringify(run.spec, null, 1)}\n`);
        const args =
          how === 'resume'
            ? ['--resume', paths.run(run.id)]
            : [
                ...['--config', paths.spec(run.id), '--out', paths.run(run.id)],
                ...['--checkpoint-every', String(CHECKPOINT_EVERY)],
                // A run that died before its first checkpoint left only run files: replace them.
                ...(existsSync(paths.run(run.id)) ? ['--force'] : []),
              ];
        const child = await runChild(
          args,
          {
            // Each run's epochs, as `sweep-epoch` lines with --json: a sweep can be watched.
            onEpoch: (e) =>
              options.output.event({
                ...e,
                event: 'sweep-epoch',
                id: run.id,
                point: run.point,
                seed: run.seed,
              }),
            onProbe: () => {},
          },
          options.stop,
          env,
        );
        if (child.code === 130) return;
        if (child.code !== 0) {
          // A failed run is finished too (a diverged one fails the same way again): recorded, not
          // run again on --resume.
          const reason = (child.stderr.trim().split('\n').at(-1) ?? `exit ${child.code}`).replace(
            /^mnist-lab: /,
            '',
          );
          const failed = failedResult(run, reason, (performance.now() - started) / 1000);
          await appendResult(dir, failed);
          results.set(run.id, failed);
          if (failed.diverged !== true) failures.push({ id: run.id, reason });
          done++;
          options.output.event({ event: 'sweep-run', ...failed });
          options.output.log(
            `${done}/${runs.length} ${describe(run)}: ${failed.diverged === true ? 'diverged' : 'failed'}: ${reason}`,
          );
          continue;
        }
      }
      const result = await resultOf(dir, run, (performance.now() - started) / 1000);
      await appendResult(dir, result);
      results.set(run.id, result);
      done++;
      options.output.event({ event: 'sweep-run', ...result, history: undefined });
      options.output.log(
        `${done}/${runs.length} ${describe(run)}: test accuracy ${result.testAccuracy === null ? '—' : (result.testAccuracy * 100).toFixed(2)}%`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, pending.length)) }, worker));
  return { results, failures, stopped: options.stop.aborted };
}

/** A run's point and seed, for people: `lr=0.1, momentum=0.9, seed 2`. */
export function describe(run: Pick<SweepRun, 'point' | 'seed'>): string {
  const point = Object.entries(run.point).map(
    ([k, v]) => `${k}=${Array.isArray(v) ? v.join('x') : String(v)}`,
  );
  return [...point, `seed ${run.seed}`].join(', ');
}
