import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type CheckpointEventLine,
  type ComparedNetwork,
  type EpochEventLine,
  type ProbeEventLine,
  parseRunEvent,
  type RunRecord,
} from '@mnist-lab/lesson';

/** One run of a comparison: a network (one of the lesson's, or a control) and a seed. */
export interface CompareRun {
  readonly network: ComparedNetwork;
  readonly seed: number;
}

/**
 * What the runs left: each run's epoch and probe events (by network, as {@link RunRecord}s), the
 * failures in words, each finished run's model.
 */
export interface PoolResult {
  readonly records: RunRecord[];
  readonly failures: string[];
  readonly models: Record<string, string>;
}

/** What a child run reports as it goes. */
export interface ChildEvents {
  readonly onEpoch: (e: EpochEventLine) => void;
  readonly onProbe: (e: ProbeEventLine) => void;
  readonly onCheckpoint?: (e: CheckpointEventLine) => void;
}

// The bundled CLI itself (dist/cli.js), run once per child.
const cliPath = fileURLToPath(new URL('./cli.js', import.meta.url));

export const runLabel = (run: CompareRun) => `${run.network}-seed${run.seed}`;

/** Runs `train --json` in a child process (with `env`) and streams its epoch and probe events. */
export function runChild(
  args: string[],
  on: ChildEvents,
  stop: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stderr: string; model?: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cliPath, 'train', ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    // SIGTERM stops a run as Ctrl-C does (after its step, with a checkpoint), also when only this
    // process was sent the interrupt.
    const forward = () => child.kill('SIGTERM');
    stop.addEventListener('abort', forward, { once: true });
    child.on('exit', () => stop.removeEventListener('abort', forward));
    let buffer = '';
    let stderr = '';
    let model: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (line.trim() === '') continue;
        const event = parseRunEvent(line);
        if (event === undefined) {
          stderr += `${line}\n`;
          continue;
        }
        if (event.event === 'epoch') on.onEpoch(event);
        if (event.event === 'probe') on.onProbe(event);
        if (event.event === 'checkpoint') on.onCheckpoint?.(event);
        if (event.event === 'done') model = event.model;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('exit', (code) =>
      resolvePromise({ code, stderr, ...(model === undefined ? {} : { model }) }),
    );
  });
}

/**
 * Runs `train --json` for every run, `jobs` at a time, each in its own process with `env`; starts no new run
 * once `stop` aborts (the running ones stop after their step, with a checkpoint). A run stopped so
 * (exit 130) is no failure.
 */
export async function runPool(
  runs: readonly CompareRun[],
  jobs: number,
  argsOf: (run: CompareRun) => string[],
  on: {
    epoch: (run: CompareRun, e: EpochEventLine) => void;
    probe: (run: CompareRun, e: ProbeEventLine) => void;
  },
  stop: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PoolResult> {
  const result: PoolResult = { records: [], failures: [], models: {} };
  const queue = [...runs];
  const worker = async () => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      if (stop.aborted) break;
      const current = run;
      const record = { network: current.network, seed: current.seed, epochs: [], probes: [] };
      const { epochs, probes } = record as { epochs: EpochEventLine[]; probes: ProbeEventLine[] };
      result.records.push(record);
      const child = await runChild(
        argsOf(current),
        {
          onEpoch: (e) => {
            epochs.push(e);
            on.epoch(current, e);
          },
          onProbe: (e) => {
            probes.push(e);
            on.probe(current, e);
          },
        },
        stop,
        env,
      );
      const name = runLabel(current);
      if (child.code === 130) continue;
      if (child.code !== 0)
        result.failures.push(
          `${name} exited with code ${child.code}: ${child.stderr.trim().split('\n').at(-1) ?? ''}`,
        );
      if (child.model !== undefined) result.models[name] = child.model;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, runs.length) }, worker));
  // In the runs' order, whichever finished first.
  const order = (r: RunRecord) =>
    runs.findIndex((x) => x.network === r.network && x.seed === r.seed);
  result.records.sort((a, b) => order(a) - order(b));
  return result;
}
