// `mnist-lab sweep` on one machine, end to end through the built CLI on real MNIST: the plan and
// its refusals, the folder it writes, a sweep's run against `train`'s, and Ctrl-C + --resume
// against an uninterrupted sweep, bit for bit.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let work: string;

const runCli = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: work, maxBuffer: 64 << 20 });
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface ResultLine {
  id: string;
  point: Record<string, unknown>;
  testAccuracy: number | null;
  modelSha256: string | null;
  history: { epoch: number; validation?: { accuracy: number } }[];
  worker: string;
  failed?: string;
  diverged?: boolean;
}
const results = async (dir: string) =>
  (await readFile(join(work, dir, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ResultLine);
/** What a result says about its model, without its timings. */
const outcome = (r: ResultLine) => ({
  id: r.id,
  testAccuracy: r.testAccuracy,
  modelSha256: r.modelSha256,
  accuracies: r.history.map((h) => h.validation?.accuracy),
});
const byId = (rs: ResultLine[]) => [...rs].sort((a, b) => a.id.localeCompare(b.id)).map(outcome);

// Four runs of 2 epochs of 100 steps: lr over two values × seeds 1 and 2.
const grid = [
  ...['--vary', 'lr=0.01,0.05', '--seeds', '2', '--epochs', '2'],
  ...['--train-size', '3200', '--test-size', '500', '--jobs', '2'],
];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mnist-lab-sweep-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('mnist-lab sweep', () => {
  it('runs a grid × seeds into sweep.json, results.jsonl, report.md and charts; each run is train’s', async () => {
    const r = runCli('sweep', ...grid, '--out', 'whole');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^4 runs: lr \(2\) × 2 seeds\n/);
    expect(r.stdout).toMatch(
      /estimate: about \d+ (s|min) with 2 at a time \(a step of the first network took [\d.]+ ms just now on \w+, /,
    );
    const sweep = JSON.parse(await readFile(join(work, 'whole', 'sweep.json'), 'utf8'));
    expect(sweep).toMatchObject({ format: 'mnist-lab-sweep', version: 1, name: 'whole' });
    expect(sweep.runs.map((x: { point: unknown; seed: number }) => [x.point, x.seed])).toEqual([
      [{ lr: 0.01 }, 1],
      [{ lr: 0.01 }, 2],
      [{ lr: 0.05 }, 1],
      [{ lr: 0.05 }, 2],
    ]);
    const lines = await results('whole');
    expect(lines.map((l) => l.id).sort()).toEqual(
      sweep.runs.map((x: { id: string }) => x.id).sort(),
    );
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(
        expect.arrayContaining([
          'id',
          'spec',
          'testAccuracy',
          'testLoss',
          'history',
          'modelSha256',
          'worker',
          'seconds',
        ]),
      );
      expect(line.worker).toMatch(/^local:/);
      expect(line.history.map((h) => h.epoch)).toEqual([1, 2]);
      // The result line is the run folder's: its last epoch, its model file.
      expect(line.testAccuracy).toBe(line.history[1]?.validation?.accuracy);
      const model = await readFile(join(work, 'whole', 'runs', line.id, 'model.safetensors'));
      expect(line.modelSha256).toBe(sha256(model));
    }
    // A sweep's run is `train`'s with the same settings, bit for bit.
    const t = runCli(
      'train',
      ...['--lr', '0.05', '--seed', '2', '--epochs', '2'],
      ...['--train-size', '3200', '--test-size', '500', '--out', 'train-lr0.05-seed2'],
    );
    expect(t.status, t.stderr).toBe(0);
    const trained = sha256(await readFile(join(work, 'train-lr0.05-seed2', 'model.safetensors')));
    expect(lines.find((l) => l.point.lr === 0.05 && l.id === sweep.runs[3].id)?.modelSha256).toBe(
      trained,
    );
    // The report: its readings computed from the lines, its table, its charts.
    const md = await readFile(join(work, 'whole', 'report.md'), 'utf8');
    const mean = (lr: number) =>
      lines.filter((l) => l.point.lr === lr).reduce((s, l) => s + (l.testAccuracy as number), 0) /
      2;
    const [best, other] = mean(0.05) >= mean(0.01) ? [0.05, 0.01] : [0.01, 0.05];
    expect(md).toContain(
      `- The best settings were lr=${best}: ${(mean(best) * 100).toFixed(2)} ± `,
    );
    expect(md).toContain(`| lr=0.01 (the lesson) | ${(mean(0.01) * 100).toFixed(2)} ± `);
    expect(md).toContain(`| lr=${other}`);
    for (const chart of ['axes', 'curves']) {
      expect(md).toContain(`![${chart}](${chart}.svg)`);
      expect(await readFile(join(work, 'whole', `${chart}.svg`), 'utf8')).toMatch(/^<svg/);
    }
    // One axis: no heatmap.
    expect(existsSync(join(work, 'whole', 'heatmap.svg'))).toBe(false);
  }, 180_000);

  it('stops on Ctrl-C with exit 130; --resume ends with the uninterrupted sweep’s results, bit for bit', async () => {
    const child = spawn(process.execPath, [cli, 'sweep', ...grid, '--json', '--out', 'stopped'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      // The first epoch of a run ended: the runs are part-way through their steps.
      if (!sent && stdout.includes('"event":"sweep-epoch"')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(
      /stopped: [0-3] of 4 runs finished\. Continue with: npx mnist-lab sweep --resume \S+stopped/,
    );
    const before = existsSync(join(work, 'stopped', 'results.jsonl'))
      ? await results('stopped')
      : [];
    expect(before.length).toBeLessThan(4);
    // The runs stopped part-way each left a checkpoint, from which --resume goes on.
    const unfinished = (await readdir(join(work, 'stopped', 'runs'))).filter(
      (id) => !before.some((l) => l.id === id),
    );
    expect(unfinished.length).toBeGreaterThan(0);
    for (const id of unfinished)
      expect(await readdir(join(work, 'stopped', 'runs', id, 'checkpoints'))).toEqual([
        expect.stringMatching(/^step-\d+$/),
      ]);
    const resumed = runCli('sweep', '--resume', 'stopped');
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = await results('stopped');
    // Every run exactly once; the finished ones kept as they were.
    expect(after.map((l) => l.id).sort()).toEqual([...new Set(after.map((l) => l.id))].sort());
    expect(after.slice(0, before.length)).toEqual(before);
    expect(byId(after)).toEqual(byId(await results('whole')));
  }, 180_000);

  it('reads the same sweep from --spec YAML, and plans it with --dry-run without writing anything', async () => {
    await writeFile(
      join(work, 'sweep.yaml'),
      'base: { epochs: 2, trainSize: 3200, testSize: 500 }\naxes:\n  - { field: lr, values: [0.01, 0.05] }\nseeds: 2\n',
    );
    const dry = runCli('sweep', '--spec', 'sweep.yaml', '--dry-run', '--json');
    expect(dry.status, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout.trim().split('\n')[0] as string);
    const sweep = JSON.parse(await readFile(join(work, 'whole', 'sweep.json'), 'utf8'));
    expect(plan).toMatchObject({ event: 'sweep-plan', runs: 4 });
    expect(plan.ids).toEqual(sweep.runs.map((x: { id: string }) => x.id));
    expect(plan.estimate.wallSeconds).toBeGreaterThan(0);
    expect(existsSync(join(work, 'mnist-lab-sweeps'))).toBe(false);
  }, 60_000);

  it.each([
    [
      ['--vary', 'speed=1,2'],
      /^mnist-lab: --vary speed=1,2: expected FIELD=VALUES with FIELD one of lr,/,
    ],
    [
      ['--vary', 'lr=0.1,abc'],
      /^mnist-lab: --vary lr=0.1,abc: expected a decimal number, got 'abc'/,
    ],
    [
      ['--vary', 'hidden=1000000000'],
      /^mnist-lab: the run at hidden=\[1000000000\]: hidden.0: expected a number ≤ 16384/,
    ],
    [
      ['--vary', 'lr=log:0.0001..1:100', '--vary', 'momentum=linear:0..0.9:20'],
      /^mnist-lab: the sweep would make 2000 runs; at most 1000/,
    ],
    [
      ['--vary', 'lr=0.01,0.1', '--max-hours', '0.0001'],
      /^mnist-lab: the sweep would take about \d+ s on this machine \(2 runs, 2 at a time\); at most --max-hours 0.0001/,
    ],
    [[], /^mnist-lab: sweep: give at least one --vary FIELD=VALUES \(or --spec FILE\)/],
  ])('refuses %j with exit 2, naming it, writing nothing', (args, message) => {
    const r = runCli('sweep', ...args, '--epochs', '1', '--train-size', '320', '--out', 'refused');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('    at ');
    expect(existsSync(join(work, 'refused'))).toBe(false);
  });

  it('refuses to resume a sweep whose sweep.json was edited to run something else', async () => {
    const sweep = JSON.parse(await readFile(join(work, 'whole', 'sweep.json'), 'utf8'));
    sweep.runs[0].id = '../../outside';
    await mkdir(join(work, 'edited'));
    await writeFile(join(work, 'edited', 'sweep.json'), JSON.stringify(sweep));
    const r = runCli('sweep', '--resume', 'edited');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^mnist-lab: --resume edited: \S+edited\/sweep\.json: its runs are not the ones its spec makes/,
    );
    expect(await readdir(join(work, 'edited'))).toEqual(['sweep.json']);
    expect(existsSync(join(work, 'outside'))).toBe(false);
  });

  it('records a run whose loss diverged as a result (exit 0), and says where, from the lines', async () => {
    const r = runCli(
      'sweep',
      ...['--vary', 'lr=0.01,1000', '--momentum', '0.9', '--epochs', '1'],
      ...['--train-size', '960', '--test-size', '200', '--out', 'diverging', '-q'],
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = await results('diverging');
    const bad = lines.find((l) => l.point.lr === 1000);
    expect(bad).toMatchObject({ testAccuracy: null, modelSha256: null, diverged: true });
    expect(bad?.failed).toMatch(/^the training loss became NaN or infinite at epoch 1, step \d+/);
    const md = await readFile(join(work, 'diverging', 'report.md'), 'utf8');
    expect(md).toContain('- The loss diverged (to NaN or infinity) at lr=1000 (1 of 1 seed).');
    expect(md).toContain('| lr=1000 | — | 0 | 1 | 0 |');
  }, 60_000);
});
