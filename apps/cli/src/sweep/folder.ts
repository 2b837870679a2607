import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readRegularFile } from '@mnist-lab/errors/node';
import {
  expandSweep,
  type RunSpec,
  type SweepRun,
  type SweepSpec,
  sweepSpecSchema,
} from '@mnist-lab/lesson';
import type { EpochRecord } from '@mnist-lab/trainer';
import { readHistory, writeFileAtomic } from '@mnist-lab/trainer/node';
import { UsageError } from '../errors';

/** `sweep.json`: the spec and its expanded plan, written when the sweep claims its folder. */
export interface SweepFile {
  readonly format: 'mnist-lab-sweep';
  readonly version: 1;
  readonly name: string;
  readonly spec: SweepSpec;
  readonly runs: readonly SweepRun[];
  /** The queue its runs go to (`redis://host:port/db`, never with a password); absent: local. */
  readonly queue?: string;
}

/** One line of `results.jsonl`: a finished run (accuracy a fraction, as everywhere). */
export interface SweepResult {
  readonly id: string;
  readonly spec: RunSpec;
  readonly point: SweepRun['point'];
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly history: readonly EpochRecord[];
  /** The model file's SHA-256; null for a run that failed (diverged, or stopped by an error). */
  readonly modelSha256: string | null;
  /** Why a run failed, in words; absent for one that finished. */
  readonly failed?: string;
  /** True for a run that failed because its loss diverged (NaN or infinite): a result, not an error. */
  readonly diverged?: boolean;
  /** Where it ran: `local:<host>` for a local sweep. */
  readonly worker: string;
  readonly seconds: number;
}

/** The places of a sweep folder. */
export const sweepPaths = (dir: string) => ({
  sweep: join(dir, 'sweep.json'),
  results: join(dir, 'results.jsonl'),
  spec: (id: string) => join(dir, 'specs', `${id}.json`),
  run: (id: string) => join(dir, 'runs', id),
});

export async function writeSweepFile(dir: string, file: SweepFile): Promise<void> {
  await writeFileAtomic(sweepPaths(dir).sweep, `${JSON.stringify(file, null, 1)}\n`);
}

/** Reads `sweep.json` of a sweep folder, or a usage error naming what it is not. */
export async function readSweepFile(
  dir: string,
  given = dir,
  flag = '--resume',
): Promise<SweepFile> {
  const path = sweepPaths(dir).sweep;
  let value: SweepFile;
  try {
    value = JSON.parse(
      new TextDecoder().decode(await readRegularFile(path, 64 << 20, 'sweep.json')),
    );
  } catch (error) {
    throw new UsageError(
      `${flag} ${given}: ${(error as Error).message}; expected a folder made by mnist-lab sweep`,
    );
  }
  if (value?.format !== 'mnist-lab-sweep' || !Array.isArray(value.runs))
    throw new UsageError(
      `${flag} ${given}: ${path} is not a sweep's; expected a folder made by mnist-lab sweep`,
    );
  // The plan is made again from the spec, checked as a new sweep's is: an edited file cannot
  // name a run folder outside runs/ or a run the spec does not make.
  let runs: SweepRun[];
  try {
    runs = expandSweep(value.spec);
  } catch (error) {
    throw new UsageError(`${flag} ${given}: ${path}: ${(error as Error).message}`);
  }
  if (JSON.stringify(runs.map((r) => r.id)) !== JSON.stringify(value.runs.map((r) => r?.id)))
    throw new UsageError(
      `${flag} ${given}: ${path}: its runs are not the ones its spec makes (the file was edited, or made by another version); start the sweep again in a new folder`,
    );
  return { ...value, spec: sweepSpecSchema.parse(value.spec), runs };
}

/** The finished runs of `results.jsonl`, by id (a torn last line, from a kill, is left out). */
export async function readResults(dir: string): Promise<Map<string, SweepResult>> {
  let text = '';
  try {
    text = await readFile(sweepPaths(dir).results, 'utf8');
  } catch {
    return new Map();
  }
  const out = new Map<string, SweepResult>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as SweepResult;
      if (typeof r.id === 'string') out.set(r.id, r);
    } catch {
      // A line a kill cut short: that run is collected again from its folder.
    }
  }
  return out;
}

/** Appends a finished run's line to `results.jsonl`, flushed before it counts as done. */
export async function appendResult(dir: string, result: SweepResult): Promise<void> {
  const path = sweepPaths(dir).results;
  // A line cut by a kill is completed by a newline before the next, so that it is read as torn.
  let last = '';
  try {
    const text = await readFile(path, 'utf8');
    last = text.at(-1) ?? '';
  } catch {
    // No file yet.
  }
  const handle = await open(path, 'a');
  try {
    await handle.writeFile(
      `${last !== '' && last !== '\n' ? '\n' : ''}${JSON.stringify(result)}\n`,
    );
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** How the trainer says that a run's loss diverged. */
export const DIVERGED = /loss became NaN or infinite/;

/** A failed run's result line: no model, the reason, what history it saved. */
export function failedResult(run: SweepRun, reason: string, seconds: number): SweepResult {
  return {
    id: run.id,
    spec: run.spec,
    point: run.point,
    testAccuracy: null,
    testLoss: null,
    history: [],
    modelSha256: null,
    failed: reason,
    diverged: DIVERGED.test(reason),
    worker: `local:${hostname()}`,
    seconds,
  };
}

/** A finished run's result line from its run folder: its history and model. */
export async function resultOf(dir: string, run: SweepRun, seconds: number): Promise<SweepResult> {
  const folder = sweepPaths(dir).run(run.id);
  const history = await readHistory(join(folder, 'history.jsonl'));
  const model = await readRegularFile(join(folder, 'model.safetensors'), 2 ** 31, 'the model');
  const last = history.at(-1);
  return {
    id: run.id,
    spec: run.spec,
    point: run.point,
    testAccuracy: last?.validation?.accuracy ?? null,
    testLoss: last?.validation?.loss ?? null,
    history,
    modelSha256: createHash('sha256').update(model).digest('hex'),
    worker: `local:${hostname()}`,
    seconds,
  };
}
