// Run folders that no run can take from another, and bad output folders found before the first
// step (docs/RELIABILITY.md lists each case): the exit code, the message and what is on disk
// afterwards; every command runs in its own process.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProcesses, noStackTrace, SMALL } from './cli-processes';

let work: string;
const { runCli, slowRun } = cliProcesses(() => work);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mnist-lab-run-folders-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('no run overwrites or prunes another run', () => {
  it('moves a second run with the default folder to a fresh one and says where', async () => {
    const cwd = join(work, 'defaults');
    await mkdir(cwd);
    const first = runCli(['train', '--epochs', '1', ...SMALL], { cwd });
    expect(first.status, first.stderr).toBe(0);
    const second = runCli(['train', '--epochs', '1', ...SMALL], { cwd });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain(
      `${join(cwd, 'mnist-lab-runs', 'relu-custom-seed1')} holds another run; this one goes to ${join(cwd, 'mnist-lab-runs', 'relu-custom-seed1-2')}`,
    );
    expect((await readdir(join(cwd, 'mnist-lab-runs'))).sort()).toEqual([
      'relu-custom-seed1',
      'relu-custom-seed1-2',
    ]);
    // Both runs kept their own checkpoints and model.
    for (const dir of ['relu-custom-seed1', 'relu-custom-seed1-2']) {
      const files = await readdir(join(cwd, 'mnist-lab-runs', dir));
      expect(files.sort()).toEqual([
        'checkpoints',
        'config.json',
        'history.jsonl',
        'model.safetensors',
        'run.json',
      ]);
    }
  }, 120_000);

  it('names a run with no preset after its network: relu, not custom', () => {
    const r = runCli([
      'train',
      '--epochs',
      '1',
      '--train-size',
      '64',
      '--test-size',
      '32',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('"config":"relu"');
    expect(r.stderr).toContain(join(work, 'mnist-lab-runs', 'relu-seed1'));
  }, 120_000);

  it('refuses an --out that holds another run (exit 2, naming it) and leaves it untouched', async () => {
    const out = join(work, 'taken');
    expect(runCli(['train', '--epochs', '1', ...SMALL, '--out', out]).status).toBe(0);
    const before = await readFile(join(out, 'model.safetensors'));
    const r = runCli(['train', '--epochs', '1', ...SMALL, '--seed', '2', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^mnist-lab: --out ${out} holds another run \\(train relu-custom-seed1, started [^)]+\\); choose another folder, resume it with --resume, or pass --force to replace it\\n$`,
      ),
    );
    expect((await readFile(join(out, 'model.safetensors'))).equals(before)).toBe(true);
    expect(existsSync(join(out, '.lock'))).toBe(false);
  }, 120_000);

  it('replaces it with --force, saying what was removed', async () => {
    const out = join(work, 'taken');
    const r = runCli(['train', '--epochs', '1', ...SMALL, '--seed', '2', '--out', out, '--force']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `--force: removed what ${out} held: another run (train relu-custom-seed1`,
    );
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).name).toBe(
      'relu-custom-seed2',
    );
  }, 120_000);

  it('refuses a folder of other files rather than mixing a run into it', async () => {
    const out = join(work, 'my-photos');
    await mkdir(out);
    await writeFile(join(out, 'holiday.jpg'), 'not mine');
    const r = runCli(['train', '--epochs', '1', ...SMALL, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`holds files that are not a run of this one (holiday.jpg)`);
    expect(await readdir(out)).toEqual(['holiday.jpg']);
  });

  it('locks a folder while a process uses it: a second process is refused, naming the first', async () => {
    const out = join(work, 'busy');
    // Slow on purpose (the cpu backend), with a checkpoint after every step.
    const run = slowRun(out, ['--checkpoint-every', '1']);
    const first = run.child;
    await new Promise<void>((resolve) => first.stdout.once('data', () => resolve()));
    const second = runCli(['train', '--resume', out]);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(`--resume ${out}: in use by process ${first.pid} on .*train --backend cpu`),
    );
    const third = runCli(['train', '--epochs', '1', ...SMALL, '--out', out, '--force']);
    expect(third.status).toBe(2);
    expect(third.stderr).toContain(`in use by process ${first.pid}`);
    first.kill('SIGKILL');
    await run.exited;
    // A lock left by a killed process is stale: --resume takes it over and finishes the run.
    expect(existsSync(join(out, '.lock'))).toBe(true);
    // Finished without a checkpoint per step (--checkpoint-every may change on resume): 200 fsynced
    // checkpoints made this test the slowest of the suite under load.
    const resumed = runCli([
      ...['train', '--resume', out, '--backend', 'wasm'],
      ...['--checkpoint-every', '1000'],
    ]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(existsSync(join(out, '.lock'))).toBe(false);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
  }, 120_000);

  it('gives compare --quick its own default report folder', async () => {
    const cwd = join(work, 'compare-defaults');
    await mkdir(cwd);
    const quick = [
      'compare',
      '--quick',
      '--presets',
      'relu',
      '--train-size',
      '64',
      '--test-size',
      '32',
    ];
    expect(runCli(quick, { cwd }).status).toBe(0);
    expect(runCli(quick, { cwd }).status).toBe(0);
    expect((await readdir(cwd)).sort()).toEqual([
      'mnist-lab-report-quick',
      'mnist-lab-report-quick-2',
    ]);
    const report = await readdir(join(cwd, 'mnist-lab-report-quick'));
    expect(report).toContain('report.md');
    expect(report).not.toContain('.lock');
  }, 120_000);
});

describe('a bad --out is found before the first step', () => {
  it.each([
    ['an existing file', () => join(work, 'a-file'), /is a file, not a folder/],
    ['a path under /dev/null', () => '/dev/null/x', /\/dev\/null is a file, not a folder/],
    ['a path under /proc/self', () => '/proc/self/x', /cannot create \/proc\/self\/x: /],
  ])('refuses %s with exit 2 at once, before the backend starts', async (_name, out, message) => {
    await writeFile(join(work, 'a-file'), 'x');
    const started = performance.now();
    const r = runCli(['train', '--epochs', '1', ...SMALL, '--out', out()], { timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('backend:');
    expect(performance.now() - started).toBeLessThan(10_000);
    noStackTrace(r.stderr);
  });
});
