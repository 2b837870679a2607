import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readRegularFile } from '@mnist-lab/errors/node';
import { parseMlpConfig } from '@mnist-lab/layers';
import { modelFromSpec, parseRunSpec, type RunSpec, runSpecId } from '@mnist-lab/lesson';
import { readHistory } from '@mnist-lab/trainer/node';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { runChild } from '../compare/child-runs';
import type { Output } from '../output';
import { DIVERGED } from '../sweep/folder';
import { QUEUE_LIMITS, runKeys } from './connection';
import { keepCheckpoint, keepModel, restoreCheckpoint } from './store';

/** A queued run: its id (the hash of its spec, also the job's id) and its spec. */
export interface RunJobData {
  readonly id: string;
  readonly spec: RunSpec;
}

/** What a worker sends back for a run: the sweep's result line, less the point, plus its config. */
export interface RunJobResult {
  readonly id: string;
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly history: unknown[];
  readonly modelSha256: string | null;
  readonly failed?: string;
  readonly diverged?: boolean;
  readonly worker: string;
  readonly seconds: number;
  /** The run folder's `config.json`, as text (null for a run that failed). */
  readonly config: string | null;
  /** The step the run was resumed from, when a worker before this one had begun it. */
  readonly resumedFrom?: number;
}

/** A job this worker will not run: why, in words. Failed for good, never retried. */
export class JobRefused extends Error {
  override readonly name = 'UnrecoverableError';
}

/**
 * A job as read from the queue, checked before anything is allocated for it: its size, its shape,
 * its spec (the run spec's schema, the network's limits, the queue's caps on epochs and batch
 * size), and that its id is its spec's hash. No folder of the worker's machine may be named.
 */
export function checkJob(job: Pick<Job, 'id' | 'data'>): RunJobData {
  const text = JSON.stringify(job.data ?? null);
  if (text.length > QUEUE_LIMITS.maxJobBytes)
    throw new JobRefused(
      `job ${job.id}: ${text.length} bytes of data; a run's job is at most ${QUEUE_LIMITS.maxJobBytes}`,
    );
  const data = job.data as { id?: unknown; spec?: unknown } | null;
  if (typeof data !== 'object' || data === null || typeof data.id !== 'string')
    throw new JobRefused(`job ${job.id}: expected { id, spec }, got ${text.slice(0, 80)}`);
  const parsed = parseRunSpec(data.spec);
  if (!parsed.ok)
    throw new JobRefused(
      `job ${job.id}: ${parsed.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ')}`,
    );
  const spec = parsed.spec;
  if (spec.data !== undefined)
    throw new JobRefused(
      `job ${job.id}: names a folder (data: ${JSON.stringify(spec.data).slice(0, 60)}); a queued run trains on a known dataset (mnist, fashion-mnist)`,
    );
  if (spec.epochs > QUEUE_LIMITS.maxEpochs || spec.batchSize > QUEUE_LIMITS.maxBatchSize)
    throw new JobRefused(
      `job ${job.id}: ${spec.epochs} epochs of batch ${spec.batchSize}; a queued run has at most ${QUEUE_LIMITS.maxEpochs} epochs and batches of ${QUEUE_LIMITS.maxBatchSize}`,
    );
  try {
    parseMlpConfig(modelFromSpec(spec));
  } catch (error) {
    throw new JobRefused(`job ${job.id}: ${(error as Error).message}`);
  }
  const id = runSpecId(spec);
  if (data.id !== id || job.id !== id)
    throw new JobRefused(`job ${job.id}: its id is not its spec's (${id})`);
  return { id, spec };
}

/** Where and how a worker runs its jobs. */
export interface WorkerContext {
  readonly client: Redis;
  readonly workDir: string;
  readonly name: string;
  readonly checkpointEvery: number;
  /** Seconds between checkpoints kept in Redis (0: every one). */
  readonly keepEvery: number;
  readonly output: Output;
  readonly stop: AbortSignal;
}

/** A worker's name in results: `host:pid`. */
export const workerName = () => `${hostname()}:${process.pid}`;

/**
 * Keeps the run's checkpoints in Redis as it reports them, one upload at a time and the newest
 * only, at most one every `keepEvery` seconds of the run (a checkpoint of the lesson's network is 4.3 MB:
 * every one, from many workers, would fill the network); `final` keeps the newest when the run
 * is handed back, so that the next worker starts where this one stopped.
 */
function checkpointKeeper(ctx: WorkerContext, id: string, folder: string) {
  type Seen = { path: string; step: number };
  let newest: Seen | undefined;
  let keptStep: number | undefined;
  // The clock starts with the run: a run lost in its first `keepEvery` seconds starts again, and
  // a short run uploads no checkpoint at all.
  let keptAt = performance.now();
  let chain = Promise.resolve();
  const keep = (e: Seen) => {
    chain = chain.then(async () => {
      if (newest !== e || keptStep === e.step) return;
      try {
        const bytes = await keepCheckpoint(ctx.client, id, folder, e.path);
        keptStep = e.step;
        keptAt = performance.now();
        ctx.output.event({ event: 'worker-checkpoint', id, step: e.step, bytes });
      } catch (error) {
        // A newer one comes at the next epoch or step count; the run goes on either way.
        ctx.output.log(
          `run ${id}: checkpoint at step ${e.step} not kept in Redis: ${(error as Error).message}`,
        );
      }
    });
  };
  return {
    onCheckpoint(e: Seen) {
      newest = e;
      if (performance.now() - keptAt >= ctx.keepEvery * 1000) keep(e);
    },
    /** Waits for the uploads (keeping the newest first when `handBack`); the step kept last. */
    async final(handBack: boolean): Promise<number | undefined> {
      if (handBack && newest !== undefined && keptStep !== newest.step) keep(newest);
      await chain;
      return keptStep;
    },
  };
}

/**
 * Trains one queued run in a child process (`train --json`): from the checkpoint a worker before
 * it kept in Redis when there is one, keeping its own there as it goes. Returns its result, with
 * its model kept in Redis; a run whose loss diverged is a result too. Returns `handed-back` when
 * the worker was stopped: the run stopped after its step, its checkpoint kept for the next worker.
 */
export async function trainJob(
  ctx: WorkerContext,
  data: RunJobData,
): Promise<RunJobResult | 'handed-back'> {
  const started = performance.now();
  const folder = join(ctx.workDir, data.id);
  const specPath = join(ctx.workDir, `${data.id}.json`);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const resumed = await restoreCheckpoint(ctx.client, data.id, folder);
  await writeFile(specPath, JSON.stringify(data.spec));
  const every = ['--checkpoint-every', String(ctx.checkpointEvery)];
  const args = resumed
    ? ['--resume', folder, ...every]
    : ['--config', specPath, '--out', folder, '--force', ...every];
  const keeper = checkpointKeeper(ctx, data.id, folder);
  const resumedFrom = resumed ? await restoredStep(folder) : undefined;
  ctx.output.log(
    `run ${data.id}: ${resumedFrom === undefined ? 'started' : `resumed from step ${resumedFrom}`}`,
  );
  const child = await runChild(
    args,
    { onEpoch: () => {}, onProbe: () => {}, onCheckpoint: (e) => keeper.onCheckpoint(e) },
    ctx.stop,
  );
  const lastKept = await keeper.final(child.code === 130 && ctx.stop.aborted);
  const seconds = (performance.now() - started) / 1000;
  const base = {
    id: data.id,
    worker: ctx.name,
    seconds,
    ...(resumedFrom === undefined ? {} : { resumedFrom }),
  };
  try {
    if (child.code === 130 && ctx.stop.aborted) {
      ctx.output.log(
        `run ${data.id}: handed back${lastKept === undefined ? ' (no checkpoint kept: it starts again)' : ` at step ${lastKept}`}; another worker goes on with it`,
      );
      return 'handed-back';
    }
    if (child.code !== 0) {
      const reason = (child.stderr.trim().split('\n').at(-1) ?? `exit ${child.code}`).replace(
        /^mnist-lab: /,
        '',
      );
      if (!DIVERGED.test(reason)) throw new Error(reason);
      await ctx.client.del(runKeys(data.id).checkpoint);
      return {
        ...base,
        testAccuracy: null,
        testLoss: null,
        history: [],
        modelSha256: null,
        failed: reason,
        diverged: true,
        config: null,
      };
    }
    const model = await readRegularFile(
      join(folder, 'model.safetensors'),
      QUEUE_LIMITS.maxModelBytes,
      'the model',
    );
    const history = await readHistory(join(folder, 'history.jsonl'));
    await keepModel(ctx.client, data.id, model);
    const last = history.at(-1);
    return {
      ...base,
      testAccuracy: last?.validation?.accuracy ?? null,
      testLoss: last?.validation?.loss ?? null,
      history,
      modelSha256: createHash('sha256').update(model).digest('hex'),
      config: await readFile(join(folder, 'config.json'), 'utf8'),
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
    await rm(specPath, { force: true });
  }
}

/** The step of the checkpoint restored into `folder`. */
async function restoredStep(folder: string): Promise<number | undefined> {
  const steps = (await readdir(join(folder, 'checkpoints'))).map((s) => Number(s.slice(5)));
  return steps.length === 0 ? undefined : Math.max(...steps);
}
