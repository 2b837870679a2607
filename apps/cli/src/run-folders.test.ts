// Run folders that no run can take from another, and bad output folders found before the first
// step (docs/RELIABILITY.md lists each case): the exit code, the message and what is on disk
// afterwards; every command runs in its own process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProcesses, noStackTrace, SMALL } from './cli-processes';

let work: string;
const { runCli, slowRun } = cliProcesses(() => work);
/** A folder's lock files (`.lock.<n>`). */
const lockFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('.lock'));

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
    expect(await lockFiles(out)).toEqual([]);
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

  it('refuses --force where the folder holds files no run writes, removing nothing', async () => {
    const out = join(work, 'thesis');
    expect(runCli(['train', '--epochs', '1', ...SMALL, '--out', out]).status).toBe(0);
    await writeFile(join(out, 'thesis.tex'), 'my thesis');
    await mkdir(join(out, 'src'));
    await writeFile(join(out, 'src', 'main.ts'), 'mine');
    const before = (await readdir(out)).sort();
    const r = runCli(['train', '--epochs', '1', ...SMALL, '--seed', '2', '--out', out, '--force']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `--out ${out}: --force replaces what a run left there, but the folder also holds src, thesis.tex, which no run writes; move them, or choose another folder (nothing was removed)`,
    );
    expect((await readdir(out)).sort()).toEqual(before);
    expect(await readFile(join(out, 'thesis.tex'), 'utf8')).toBe('my thesis');
    noStackTrace(r.stderr);
  }, 120_000);

  it("refuses a run whose checkpoints/ is a link into another run's folder, touching neither", async () => {
    const a = join(work, 'run-a');
    expect(runCli(['train', '--epochs', '1', ...SMALL, '--out', a]).status).toBe(0);
    const before = (await readdir(join(a, 'checkpoints'))).sort();
    const b = join(work, 'run-b');
    await mkdir(b);
    await symlink(join(a, 'checkpoints'), join(b, 'checkpoints'));
    const r = runCli(['train', '--resume', b, '--epochs', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `--resume ${b}: ${join(b, 'checkpoints')} is a symbolic link; a run keeps its checkpoints in a folder of its own (and prunes only those): remove it`,
    );
    expect((await readdir(join(a, 'checkpoints'))).sort()).toEqual(before);
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
    expect(await lockFiles(out)).toHaveLength(1);
    // Finished without a checkpoint per step (--checkpoint-every may change on resume): 200 fsynced
    // checkpoints made this test the slowest of the suite under load.
    const resumed = runCli([
      ...['train', '--resume', out, '--backend', 'wasm'],
      ...['--checkpoint-every', '1000'],
    ]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(await lockFiles(out)).toEqual([]);
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
    expect(report.filter((f) => f.startsWith('.lock'))).toEqual([]);
  }, 120_000);
});

describe('a bad --cache for data download', () => {
  it('is said in one line, naming the flag and the level that is no folder (exit 2)', () => {
    const r = runCli(['data', 'download', '--cache', '/dev/null/c']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'mnist-lab: --cache /dev/null/c: /dev/null: a device is there, not a folder; choose another path\n',
    );
  });
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

/** This machine's boot id and a process's start time, as the lock records them (Linux). */
const readProc = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
const bootId = () => readProc('/proc/sys/kernel/random/boot_id')?.trim();
const startOf = (pid: number) => {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};
const noProc =
  bootId() === undefined ? 'no /proc here: the lock falls back to the pid alone' : undefined;
/** A lock file as mnist-lab writes it, for an owner the test describes. */
const writeLock = (dir: string, n: number, owner: Record<string, unknown>) =>
  writeFile(
    join(dir, `.lock.${n}`),
    `${JSON.stringify({ host: hostname(), started: '2026-01-01T00:00:00.000Z', argv: ['train'], ...owner })}\n`,
  );
const lockChild = fileURLToPath(new URL('../test-fixtures/lock-child.mjs', import.meta.url));

describe.skipIf(noProc !== undefined)(
  `locks that cannot race or wedge${noProc === undefined ? '' : ` [skipped: ${noProc}]`}`,
  () => {
    it('moves a run with a default folder that another live process holds to the next name', async () => {
      const cwd = join(work, 'default-in-use');
      const held = join(cwd, 'mnist-lab-runs', 'relu-custom-seed1');
      await mkdir(held, { recursive: true });
      // This test's own process holds it: alive, with its start time.
      await writeLock(held, 1, { pid: process.pid, boot: bootId(), start: startOf(process.pid) });
      const r = runCli(['train', '--epochs', '1', ...SMALL], { cwd });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${held} holds another run; this one goes to ${held}-2`);
      expect(await lockFiles(held)).toEqual(['.lock.1']);
      // Named with --out, the same folder is refused, naming its holder.
      const named = runCli(['train', '--epochs', '1', ...SMALL, '--out', held]);
      expect(named.status).toBe(2);
      expect(named.stderr).toContain(
        `--out ${held}: in use by process ${process.pid} on ${hostname()}`,
      );
    }, 120_000);

    it('takes over a lock whose pid now belongs to another process, or that is from before a reboot', async () => {
      // A live process that is not the lock's owner: the same pid, another start time.
      const sleeper = spawn('sleep', ['30']);
      try {
        for (const [name, owner] of [
          ['reused pid', { pid: sleeper.pid, boot: bootId(), start: '1' }],
          [
            'rebooted',
            { pid: sleeper.pid, boot: 'another-boot', start: startOf(sleeper.pid as number) },
          ],
        ] as const) {
          const dir = join(work, `stale-${name.replace(' ', '-')}`);
          await mkdir(dir);
          await writeLock(dir, 1, owner);
          const log = join(dir, 'log');
          const child = spawnSync(process.execPath, [lockChild, dir, log, '0'], {
            encoding: 'utf8',
          });
          expect(child.status, `${name}: ${child.stderr}`).toBe(0);
          expect(await readFile(log, 'utf8'), name).toMatch(/^acquired /);
          expect(await lockFiles(dir), name).toEqual([]);
        }
      } finally {
        sleeper.kill();
      }
    });

    it("refuses another machine's lock, and says which file to delete if its run is gone", async () => {
      const dir = join(work, 'elsewhere');
      await mkdir(dir);
      await writeLock(dir, 3, { pid: 1, host: 'another-host' });
      const r = runCli(['train', '--epochs', '1', ...SMALL, '--out', dir, '--force']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `in use by process 1 on another-host (mnist-lab train, started 2026-01-01T00:00:00.000Z), which this machine cannot see; if no mnist-lab runs there any more (another machine or container), delete ${join(dir, '.lock.3')} and run again`,
      );
      noStackTrace(r.stderr);
    });

    it('lets one of six processes take a stale lock at a time, never two at once (20 rounds)', async () => {
      // Half the rounds as they come; in the other half each contender waits 50 ms between judging
      // the lock stale and taking it, so that all six judge before any takes: where taking a stale
      // lock is not atomic (delete, then create), they all get it.
      const dead = spawnSync('true').pid as number;
      for (let round = 0; round < 20; round++) {
        const dir = join(work, `race-${round}`);
        await mkdir(dir);
        await writeLock(dir, 1, { pid: dead, boot: bootId(), start: '1' });
        const log = join(dir, 'log');
        await writeFile(log, '');
        const start = String(Date.now() + 400);
        const codes = await Promise.all(
          Array.from(
            { length: 6 },
            () =>
              new Promise<number | null>((resolve) =>
                spawn(
                  process.execPath,
                  [lockChild, dir, log, start, String(round % 2 === 0 ? 0 : 50)],
                  {
                    stdio: 'ignore',
                  },
                ).on('exit', resolve),
              ),
          ),
        );
        for (const c of codes) expect([0, 3]).toContain(c);
        const held = new Map<string, { from: number; to: number }>();
        for (const line of (await readFile(log, 'utf8')).trim().split('\n')) {
          const [what, pid, at] = line.split(' ');
          const h = held.get(pid as string) ?? { from: Number.NaN, to: Number.NaN };
          if (what === 'acquired') h.from = Number(at);
          else h.to = Number(at);
          held.set(pid as string, h);
        }
        const spans = [...held.values()].sort((a, b) => a.from - b.from);
        expect(spans.length, `round ${round}`).toBe(codes.filter((c) => c === 0).length);
        expect(spans.length, `round ${round}`).toBeGreaterThan(0);
        for (let i = 1; i < spans.length; i++)
          expect(spans[i]?.from, `round ${round}: two held it at once`).toBeGreaterThan(
            spans[i - 1]?.to as number,
          );
        expect(await lockFiles(dir)).toEqual([]);
      }
    }, 120_000);
  },
);
