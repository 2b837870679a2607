import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepRun } from '@mnist-lab/lesson';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Output } from '../output';
import {
  appendResult,
  failedResult,
  readResults,
  type SweepResult,
  sweepPaths,
} from '../sweep/folder';
import { describe, type SweepOutcome } from '../sweep/run';
import {
  QUEUE_LIMITS,
  QUEUE_NAME,
  QUEUE_PREFIX,
  type QueueAddress,
  redisClient,
  runKeys,
} from './connection';
import { modelOf } from './store';
import type { RunJobData } from './worker';

/** A worker's result as read back from Redis: untrusted, so checked field by field. */
const resultSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  testAccuracy: z.number().min(0).max(1).nullable(),
  testLoss: z.number().nullable(),
  history: z.array(z.record(z.string(), z.unknown())).max(QUEUE_LIMITS.maxEpochs),
  modelSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  failed: z.string().max(2000).optional(),
  diverged: z.boolean().optional(),
  worker: z.string().max(200),
  seconds: z.number().nonnegative(),
  config: z.string().max(QUEUE_LIMITS.maxJobBytes).nullable(),
  resumedFrom: z.number().int().nonnegative().optional(),
});

const jobOptions = {
  removeOnComplete: { age: QUEUE_LIMITS.keepSeconds },
  removeOnFail: { age: QUEUE_LIMITS.keepSeconds },
} as const;

/** Puts the runs on the queue, each as a job whose id is the run's: a second time adds nothing. */
async function enqueue(queue: Queue, runs: readonly SweepRun[]): Promise<void> {
  for (let i = 0; i < runs.length; i += 100)
    await queue.addBulk(
      runs.slice(i, i + 100).map((r) => ({
        name: 'run',
        data: { id: r.id, spec: r.spec } satisfies RunJobData,
        opts: { jobId: r.id, ...jobOptions },
      })),
    );
}

/**
 * A finished job's result line, its model file and config written into the sweep folder, or the
 * reason it cannot be used (a model missing from Redis or not matching its hash: run it again).
 */
async function collect(
  dir: string,
  run: SweepRun,
  job: Job,
  client: Redis,
): Promise<SweepResult | string> {
  const parsed = resultSchema.safeParse(job.returnvalue);
  if (!parsed.success || parsed.data.id !== run.id) return 'its result is not a run result';
  const r = parsed.data;
  const point = { point: run.point, spec: run.spec, id: run.id };
  if (r.modelSha256 === null) {
    return { ...failedResult(run, r.failed ?? 'failed', r.seconds), worker: r.worker };
  }
  const model = await modelOf(client, run.id);
  if (model === undefined) return 'its model is no longer in Redis';
  if (createHash('sha256').update(model).digest('hex') !== r.modelSha256)
    return "its model in Redis does not match its result's SHA-256";
  const folder = sweepPaths(dir).run(run.id);
  await mkdir(folder, { recursive: true });
  await writeFileAtomic(join(folder, 'model.safetensors'), model);
  await writeFileAtomic(
    join(folder, 'history.jsonl'),
    r.history.map((h) => `${JSON.stringify(h)}\n`).join(''),
  );
  if (r.config !== null) await writeFileAtomic(join(folder, 'config.json'), r.config);
  return {
    ...point,
    testAccuracy: r.testAccuracy,
    testLoss: r.testLoss,
    history: r.history as unknown as SweepResult['history'],
    modelSha256: r.modelSha256,
    worker: r.worker,
    seconds: r.seconds,
  };
}

/**
 * Where a run's job stands: undefined while it waits or runs; its result line (and when the job
 * was added, taken by a worker, finished and collected here, in ms) once it finished or failed;
 * or why it must run again (gone from the queue, its model lost).
 */
async function settle(
  dir: string,
  run: SweepRun,
  state: string,
  queue: Queue,
  client: Redis,
): Promise<
  { result: SweepResult; times: Record<string, number | undefined> } | string | undefined
> {
  if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return undefined;
  const job = state === 'unknown' ? undefined : await queue.getJob(run.id);
  if (job === undefined) return 'it was no longer on the queue';
  const result =
    state === 'failed'
      ? failedResult(run, job.failedReason || 'failed on the queue', 0)
      : await collect(dir, run, job, client);
  if (typeof result === 'string') return result;
  const times = {
    added: job.timestamp,
    started: job.processedOn,
    finished: job.finishedOn,
    collected: Date.now(),
  };
  return { result, times };
}

/**
 * Each run's job state, asked 500 at a time without waiting for each answer (one pass over a
 * sweep's 1000 runs is a few round trips, not a thousand).
 */
async function statesOf(queue: Queue, runs: SweepRun[]): Promise<[SweepRun, string][]> {
  const states: [SweepRun, string][] = [];
  for (let i = 0; i < runs.length; i += 500) {
    const chunk = runs.slice(i, i + 500);
    const answers = await Promise.all(chunk.map((r) => queue.getJobState(r.id)));
    for (const [j, r] of chunk.entries()) states.push([r, answers[j] as string]);
  }
  return states;
}

/**
 * Runs a sweep's unfinished runs on the queue at `address` and collects each result as a worker
 * finishes it, into the same folder and lines as a local sweep. Stopping (`stop`) leaves the runs
 * queued: the workers go on, and `--resume` collects them later. Jobs already on the queue (from
 * this sweep before, or another of the same settings) are not added twice.
 */
export async function runQueuedSweep(
  dir: string,
  runs: readonly SweepRun[],
  options: { address: QueueAddress; output: Output; stop: AbortSignal },
): Promise<SweepOutcome> {
  const results = await readResults(dir);
  const pending = new Map(runs.filter((r) => !results.has(r.id)).map((r) => [r.id, r]));
  const connection = options.address.options;
  const { Queue, QueueEvents } = await import('bullmq');
  const queue = new Queue(QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
  const events = new QueueEvents(QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
  const client = await redisClient(options.address);
  queue.on('error', () => {});
  events.on('error', () => {});
  const failures: { id: string; reason: string }[] = [];
  let done = runs.length - pending.size;
  let wake: () => void = () => {};
  const onEvent = ({ jobId }: { jobId: string }) => {
    if (pending.has(jobId)) wake();
  };
  events.on('completed', onEvent);
  events.on('failed', onEvent);
  options.stop.addEventListener('abort', () => wake(), { once: true });
  try {
    await enqueue(queue, [...pending.values()]);
    options.output.event({ event: 'sweep-queued', runs: pending.size, at: Date.now() });
    options.output.log(
      `${pending.size} runs on the queue at ${options.address.shown}: start workers with npx mnist-lab worker --queue …`,
    );
    while (pending.size > 0 && !options.stop.aborted) {
      for (const [run, state] of await statesOf(queue, [...pending.values()])) {
        const settled = await settle(dir, run, state, queue, client);
        if (settled === undefined) continue;
        if (typeof settled === 'string') {
          // Run again: its job is replaced by a new one of the same id.
          options.output.log(`${describe(run)}: ${settled}; queued again`);
          await (await queue.getJob(run.id))?.remove();
          await enqueue(queue, [run]);
          continue;
        }
        const { result, times } = settled;
        await appendResult(dir, result);
        // In the folder now: Redis need not hold the model for 7 days (a later sweep of the same
        // settings finds the job done and its model gone, and runs it again).
        await client.del(runKeys(run.id).model);
        results.set(run.id, result);
        pending.delete(run.id);
        done++;
        if (result.failed !== undefined && result.diverged !== true)
          failures.push({ id: run.id, reason: result.failed });
        options.output.event({ event: 'sweep-run', ...result, history: undefined, queue: times });
        options.output.log(
          `${done}/${runs.length} ${describe(run)}: ${result.failed === undefined ? `test accuracy ${((result.testAccuracy ?? 0) * 100).toFixed(2)}%` : result.failed} (${result.worker})`,
        );
      }
      if (pending.size === 0 || options.stop.aborted) break;
      // Woken by a job's event, or every 2 s (events are not replayed after a reconnection).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await Promise.allSettled([queue.close(), events.close()]);
    client.disconnect();
  }
  return { results, failures, stopped: options.stop.aborted && pending.size > 0 };
}
