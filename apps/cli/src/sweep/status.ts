import { readdir } from 'node:fs/promises';
import { isLockFile } from '../folder-lock';
import type { Output } from '../output';
import { checkRedis, QUEUE_NAME, QUEUE_PREFIX, type QueueAddress } from '../queue/connection';
import { readResults, readSweepFile, sweepPaths } from './folder';
import { describe } from './run';

/** Where each run of a sweep stands. */
export interface SweepStatus {
  readonly done: number;
  readonly diverged: number;
  readonly failed: number;
  /** Runs being trained: by whom (`host:pid`, or `local` for a run folder in use here). */
  readonly running: { id: string; worker: string }[];
  /** Finished on the queue, not yet collected into the folder (the coordinator is not running). */
  readonly uncollected: number;
  readonly waiting: number;
}

/** A local run is running when a process holds a lock in its folder. */
async function locallyRunning(dir: string, id: string): Promise<boolean> {
  try {
    return (await readdir(sweepPaths(dir).run(id))).some(isLockFile);
  } catch {
    return false;
  }
}

/**
 * `sweep --status DIR`: the sweep's runs done (from `results.jsonl`), running, waiting and failed;
 * for a queued sweep, as the queue has them (which worker holds each running one).
 */
export async function sweepStatus(
  dir: string,
  address: QueueAddress | undefined,
  output: Output,
): Promise<SweepStatus> {
  const file = await readSweepFile(dir, dir, '--status');
  const results = await readResults(dir);
  const finished = file.runs.flatMap((r) => results.get(r.id) ?? []);
  const pending = file.runs.filter((r) => !results.has(r.id));
  const running: { id: string; worker: string }[] = [];
  let uncollected = 0;
  if (address !== undefined) {
    await checkRedis(address, '--status');
    const { Queue } = await import('bullmq');
    const queue = new Queue(QUEUE_NAME, { connection: address.options, prefix: QUEUE_PREFIX });
    try {
      for (const run of pending) {
        const state = await queue.getJobState(run.id);
        if (state === 'active')
          running.push({ id: run.id, worker: (await queue.getJob(run.id))?.processedBy ?? '?' });
        if (state === 'completed' || state === 'failed') uncollected++;
      }
    } finally {
      await queue.close();
    }
  } else
    for (const run of pending)
      if (await locallyRunning(dir, run.id)) running.push({ id: run.id, worker: 'local' });
  const status: SweepStatus = {
    done: finished.length,
    diverged: finished.filter((r) => r.diverged === true).length,
    failed: finished.filter((r) => r.failed !== undefined && r.diverged !== true).length,
    running,
    uncollected,
    waiting: pending.length - running.length - uncollected,
  };
  output.event({
    event: 'sweep-status',
    dir,
    runs: file.runs.length,
    queue: address?.shown,
    ...status,
  });
  output.line(
    `sweep ${file.name}: ${file.runs.length} runs${address === undefined ? '' : ` on ${address.shown}`}`,
  );
  output.line(`  done      ${status.done} (${status.diverged} diverged, ${status.failed} failed)`);
  output.line(`  running   ${running.length}`);
  for (const r of running) {
    const run = file.runs.find((x) => x.id === r.id);
    output.line(`    ${r.id}  ${run === undefined ? '' : describe(run)}  on ${r.worker}`);
  }
  if (address !== undefined)
    output.line(`  finished on the queue, to collect with --resume: ${uncollected}`);
  output.line(`  waiting   ${status.waiting}`);
  return status;
}
