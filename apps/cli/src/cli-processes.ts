// What the CLI's process-level tests share (reliability.test.ts, run-folders.test.ts): the built
// CLI run in its own process in a test file's scratch folder, with its peak memory read as it
// exits, and a slow run to interrupt.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

// Reports the process's peak resident memory on stderr when it exits, however it exits.
const PEAK =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\npeak-rss-mb "+process.resourceUsage().maxRSS/1024+"\\n"))';

/**
 * The built CLI in its own process, run to its end in `work()` (or `cwd`): its output, and its peak
 * resident memory in MB (`peakMB`).
 */
const runIn =
  (work: () => string) =>
  (args: string[], options: { cwd?: string; timeout?: number } = {}) => {
    const r = spawnSync(process.execPath, ['--import', PEAK, cli, ...args], {
      encoding: 'utf8',
      cwd: options.cwd ?? work(),
      timeout: options.timeout ?? 120_000,
      maxBuffer: 64 << 20,
    });
    const peak = Number(/peak-rss-mb ([\d.]+)/.exec(r.stderr)?.[1] ?? Number.NaN);
    return { ...r, stderr: r.stderr.replace(/\npeak-rss-mb [\d.]+\n$/, ''), peakMB: peak };
  };
/** A small, quick run: 320 training and 64 test images. */
export const SMALL = ['--train-size', '320', '--test-size', '64', '--hidden', '32,16'];
/** Fails when stderr holds a stack trace. */
export const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

/** A slow run (the cpu backend, ~0.2 s a step) whose output is collected as it comes. */
const slowIn =
  (work: () => string) =>
  (out: string, extra: string[] = []) => {
    const child = spawn(
      process.execPath,
      [
        cli,
        'train',
        '--backend',
        'cpu',
        '--epochs',
        '1',
        '--train-size',
        '6400',
        '--test-size',
        '64',
        '--out',
        out,
        '--json',
        ...extra,
      ],
      { cwd: work(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const seen = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      seen.stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      seen.stderr += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Its "data:" line on stderr comes just before the first step.
    const training = new Promise<void>((resolve) => {
      const wait = setInterval(() => {
        if (seen.stderr.includes('data:')) {
          clearInterval(wait);
          resolve();
        }
      }, 20);
    });
    return { child, seen, exited, training };
  };

/** The CLI run in a test file's scratch folder (`work()`, made by the file's beforeAll). */
export function cliProcesses(work: () => string) {
  return { runCli: runIn(work), slowRun: slowIn(work) };
}
