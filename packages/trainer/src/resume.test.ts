import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistory } from '../dist/node.js';

const child = fileURLToPath(new URL('../test-fixtures/train-child.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

interface RunArgs {
  backend: string;
  hidden: number[];
  trainSize: number;
  epochs: number;
  checkpointEvery: number;
  blas?: 'off';
  optimizer?: Record<string, unknown>;
}

function start(args: RunArgs & { out: string; resume: boolean }): {
  proc: ChildProcess;
  lines: string[];
  done: Promise<number | null>;
} {
  const proc = spawn(process.execPath, [child, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  proc.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<number | null>((resolve) =>
    proc.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { proc, lines, done };
}

async function fullRun(args: RunArgs): Promise<Buffer> {
  const out = await mkdtemp(join(tmpdir(), 'mnist-lab-run-'));
  dirs.push(out);
  const run = start({ ...args, out, resume: false });
  expect(await run.done).toBe(0);
  return readFile(join(out, 'final.safetensors'));
}

const CPU: RunArgs = {
  backend: 'cpu',
  hidden: [64, 32],
  trainSize: 640,
  epochs: 3,
  checkpointEvery: 7,
};
const WASM: RunArgs = {
  backend: 'wasm',
  hidden: [512, 256],
  trainSize: 960,
  epochs: 2,
  checkpointEvery: 7,
};
// Every optimizer the CLI offers: SGD with momentum (fused on wasm, with OpenBLAS and without), plain
// SGD, Adam (whose running products β^t tfjs's setWeights would recompute) and RMSProp.
const CASES: [string, RunArgs][] = [
  // cpu is slow: a smaller network; wasm: the lesson's 784-512-256-10 with BatchNorm1d and dropout.
  ['cpu', CPU],
  ['wasm', WASM],
  ['wasm, pure (fused, no OpenBLAS)', { ...WASM, blas: 'off' }],
  // Checkpoints every 19 steps: from step 18 on, Adam's running product β₂ᵗ in float32 and tfjs's
  // pow(β₂, t) differ in most steps (a resume that recomputes it drifts); at 7 and 14 they agree.
  ['cpu, Adam', { ...CPU, checkpointEvery: 19, optimizer: { name: 'adam', lr: 0.001 } }],
  ['wasm, Adam', { ...WASM, checkpointEvery: 19, optimizer: { name: 'adam', lr: 0.001 } }],
  [
    'wasm, RMSProp with momentum',
    { ...WASM, optimizer: { name: 'rmsprop', lr: 0.0005, momentum: 0.5 } },
  ],
  ['wasm, SGD without momentum', { ...WASM, optimizer: { name: 'sgd', lr: 0.01, momentum: 0 } }],
];

// Determinism is the backends' (the optimizer changes nothing of it): on cpu and wasm.
describe.each(CASES.slice(0, 2))('determinism in child processes [%s]', (_name, args) => {
  it('two runs with the same seed end with bit-identical weights', async () => {
    const [a, b] = await Promise.all([fullRun(args), fullRun(args)]);
    expect(a.length).toBeGreaterThan(1000);
    expect(b.equals(a)).toBe(true);
  }, 120_000);
});

describe.each(CASES)('kill-and-resume in child processes [%s]', (_name, args) => {
  it('a run killed with SIGKILL and resumed ends with exactly the weights of an uninterrupted run', async () => {
    const reference = await fullRun(args);
    const out = await mkdtemp(join(tmpdir(), 'mnist-lab-kill-'));
    dirs.push(out);
    const victim = start({ ...args, out, resume: false });
    // Kill it at an arbitrary point after its second checkpoint (it keeps training meanwhile).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (victim.lines.filter((l) => l.includes('"checkpoint"')).length >= 2) {
          clearInterval(timer);
          victim.proc.kill('SIGKILL');
          resolve();
        }
      }, 5);
      victim.done.then(() => {
        clearInterval(timer);
        reject(new Error('the run ended before it could be killed'));
      });
    });
    await victim.done;
    expect(victim.proc.signalCode).toBe('SIGKILL');
    const resumed = start({ ...args, out, resume: true });
    expect(await resumed.done).toBe(0);
    const weights = await readFile(join(out, 'final.safetensors'));
    expect(weights.equals(reference)).toBe(true);
    const history = await readHistory(join(out, 'history.jsonl'));
    expect(history.map((h) => h.epoch)).toEqual(
      Array.from({ length: args.epochs }, (_, i) => i + 1),
    );
  }, 120_000);
});
