import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Job } from 'bullmq';
import type { Command } from 'commander';
import { nonNegative, positiveInt } from '../options';
import { Output } from '../output';
import {
  checkRedis,
  parseQueueUrl,
  QUEUE_LIMITS,
  QUEUE_NAME,
  QUEUE_PREFIX,
  queueUrlOf,
  redisClient,
} from '../queue/connection';
import { checkJob, type RunJobResult, trainJob, workerName } from '../queue/worker';

interface WorkerFlags {
  queue?: string | true;
  concurrency: number;
  workDir?: string;
  checkpointEvery: number;
  keepEvery: number;
  json?: boolean;
  quiet?: boolean;
}

/**
 * How long a worker's hold on a run lasts without renewal, and how often stalled runs are looked
 * for: 30 s, as BullMQ's default (`MNIST_LAB_QUEUE_LOCK_MS` shortens it for the tests).
 */
function lockMs(): number {
  const ms = Number(process.env.MNIST_LAB_QUEUE_LOCK_MS ?? 30_000);
  return Number.isInteger(ms) && ms >= 500 ? ms : 30_000;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      "take runs from a sweep's queue (BullMQ on Redis) and train them, each in a child process, until Ctrl-C",
    )
    .option(
      '--queue [url]',
      'redis://[:password@]host:port/db, or rediss:// (absent or alone: MNIST_LAB_QUEUE)',
    )
    .option('--concurrency <n>', 'runs at a time (default 1)', positiveInt, 1)
    .option(
      '--work-dir <dir>',
      "where runs train (default: a folder of this worker's in the temp folder)",
    )
    .option('--checkpoint-every <n>', "steps between a run's checkpoints", positiveInt, 500)
    .option(
      '--keep-every <seconds>',
      'a checkpoint is kept in Redis for another worker once the run has trained this long, and again each time (0: every one)',
      nonNegative,
      30,
    )
    .option('--json', 'one JSON object per line on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (_opts: unknown, command: Command) => {
      await workerAction(command.opts<WorkerFlags>());
    });
}

async function workerAction(opts: WorkerFlags): Promise<void> {
  // BullMQ is loaded by the commands that use a queue only: the others start without it.
  const { WaitingError, Worker } = await import('bullmq');
  const output = new Output(opts);
  const address = parseQueueUrl(queueUrlOf(opts.queue ?? true));
  await checkRedis(address);
  const name = workerName();
  const workDir = resolve(opts.workDir ?? join(tmpdir(), `mnist-lab-worker-${process.pid}`));
  await mkdir(workDir, { recursive: true });
  const client = await redisClient(address);
  const controller = new AbortController();
  const ctx = {
    client,
    workDir,
    name,
    checkpointEvery: opts.checkpointEvery,
    keepEvery: opts.keepEvery,
    output,
    stop: controller.signal,
  };
  const processor = async (job: Job, token?: string): Promise<RunJobResult> => {
    const data = checkJob(job);
    const result = ctx.stop.aborted ? 'handed-back' : await trainJob(ctx, data);
    if (result !== 'handed-back') return result;
    await job.moveToWait(token);
    throw new WaitingError();
  };
  const ms = lockMs();
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: address.options,
    prefix: QUEUE_PREFIX,
    concurrency: opts.concurrency,
    name,
    lockDuration: ms,
    stalledInterval: ms,
    // A run given up by a worker that died goes to another, again and again: it is not its fault.
    maxStalledCount: 100,
    removeOnComplete: { age: QUEUE_LIMITS.keepSeconds },
    removeOnFail: { age: QUEUE_LIMITS.keepSeconds },
  });
  worker.on('completed', (job, result: RunJobResult) => {
    output.event({ event: 'worker-run', id: job.id, result: { ...result, history: undefined } });
    output.log(
      `run ${job.id}: ${result.diverged === true ? 'diverged' : `done, test accuracy ${result.testAccuracy === null ? '—' : ((result.testAccuracy as number) * 100).toFixed(2)}%`} (${result.seconds.toFixed(1)} s)`,
    );
  });
  worker.on('failed', (job, error) => {
    if (error instanceof WaitingError) return;
    output.event({ event: 'worker-refused', id: job?.id, reason: error.message });
    output.log(`run ${job?.id}: failed: ${error.message}`);
  });
  worker.on('error', (error) => output.log(`queue: ${error.message}`));
  output.event({ event: 'worker', name, queue: address.shown, concurrency: opts.concurrency });
  output.log(
    `worker ${name} taking runs from ${address.shown} (${opts.concurrency} at a time; Ctrl-C hands them back)`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      output.log(
        'stopping: the runs stop after their step and go back to the queue with their checkpoints (Ctrl-C again to quit at once)',
      );
      process.once('SIGINT', () => process.exit(130));
      controller.abort();
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await worker.close();
  client.disconnect();
  await rm(workDir, { recursive: true, force: true });
  process.exitCode = 130;
}
