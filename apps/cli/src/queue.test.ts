// Sweeps on a queue: the built CLI's coordinator (`sweep --queue`) and workers (`mnist-lab worker`)
// on a real Redis (Debian's redis-server, with a password and an fsynced append-only file) and the
// real BullMQ, through kill -9, Ctrl-C, a coordinator restarted and Redis restarted, checked
// against a local sweep of the same runs, model file by model file.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type TestRedis } from './test-redis';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let work: string;
const redises: TestRedis[] = [];
const children: ChildProcess[] = [];

// 12 runs of 2 epochs of 50 steps, of a small network: lr × momentum × seeds 1 and 2.
const spec = [
  ...['--vary', 'lr=0.01,0.03,0.1', '--vary', 'momentum=0,0.9', '--seeds', '2'],
  ...['--hidden', '128,64', '--epochs', '2', '--train-size', '1600', '--test-size', '300'],
];

const queueEnv = (redis: TestRedis) => ({
  ...process.env,
  MNIST_LAB_QUEUE: redis.url,
  // A run a dead worker held goes to another after 1.5 s (30 s by default).
  MNIST_LAB_QUEUE_LOCK_MS: '1500',
});

/** A process of the CLI, in a process group of its own, its output kept as it comes. */
function start(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: work,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out.stdout += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    out.stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    out,
    exited,
    events: () =>
      out.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    /** kill -9 of the process and its runs: a machine lost. */
    kill9: () => process.kill(-(child.pid as number), 'SIGKILL'),
  };
}
type Started = ReturnType<typeof start>;

const worker = (redis: TestRedis) =>
  start(['worker', '--checkpoint-every', '20', '--keep-every', '0', '--json'], queueEnv(redis));

async function until(what: string, ok: () => boolean, seconds = 120): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = (p: Started, event: string) => p.events().filter((e) => e.event === event).length;

async function shas(dir: string): Promise<Map<string, string>> {
  const text = await readFile(join(work, dir, 'results.jsonl'), 'utf8');
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; modelSha256: string });
  // Every run exactly once.
  expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
  return new Map(lines.map((l) => [l.id, l.modelSha256]));
}

/** Every file under `dir`, read, and every output: none may hold the password. */
async function expectNoPassword(password: string, dirs: string[], outputs: Started[]) {
  for (const p of outputs) expect(p.out.stdout + p.out.stderr).not.toContain(password);
  for (const dir of dirs)
    for (const entry of await readdir(join(work, dir), { recursive: true })) {
      const path = join(work, dir, entry);
      if (/\.(json|jsonl|md|svg)$/.test(entry))
        expect(await readFile(path, 'utf8'), path).not.toContain(password);
    }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mnist-lab-queue-'));
});
afterAll(async () => {
  for (const c of children)
    try {
      process.kill(-(c.pid as number), 'SIGKILL');
    } catch {
      // Gone already.
    }
  await Promise.all(redises.map((r) => r.stop()));
  await rm(work, { recursive: true, force: true });
});

async function redis(name: string): Promise<TestRedis> {
  const dir = join(work, name);
  await mkdir(dir);
  const r = await startRedis(dir);
  redises.push(r);
  return r;
}

describe.skipIf(redisMissing !== undefined)(
  `sweeps on a queue (BullMQ on Redis)${redisMissing === undefined ? '' : ` [skipped: ${redisMissing}]`}`,
  () => {
    let local: Map<string, string>;

    beforeAll(async () => {
      const r = spawnSync(process.execPath, [cli, 'sweep', ...spec, '--out', 'local', '-q'], {
        cwd: work,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      local = await shas('local');
      expect(local.size).toBe(12);
    }, 180_000);

    it('finishes every run exactly once through a worker killed -9 and a coordinator killed and resumed, with the local sweep’s models', async () => {
      const q = await redis('redis-a');
      const [victim, ...others] = [worker(q), worker(q), worker(q)];
      const coordinator = start(
        ['sweep', ...spec, '--queue', '--json', '--out', 'queued'],
        queueEnv(q),
      );
      // The victim has kept a checkpoint of a run in Redis: it dies with it half done.
      await until('a checkpoint', () => count(victim, 'worker-checkpoint') > 0);
      victim.kill9();
      await until('3 results', () => count(coordinator, 'sweep-run') >= 3);
      coordinator.kill9();
      await coordinator.exited;
      const resumed = start(['sweep', '--resume', 'queued', '--json'], queueEnv(q));
      expect(await resumed.exited, resumed.out.stderr).toBe(0);
      expect(await shas('queued')).toEqual(local);
      // The run the victim held went on from its checkpoint elsewhere, and no run was trained
      // to its end twice.
      const held = victim.events().find((e) => e.event === 'worker-checkpoint') as {
        id: string;
        step: number;
      };
      expect(others.map((w) => w.out.stderr).join('')).toMatch(
        new RegExp(`run ${held.id}: resumed from step \\d+`),
      );
      expect(
        count(victim, 'worker-run') + others.reduce((n, w) => n + count(w, 'worker-run'), 0),
      ).toBe(12);
      const status = spawnSync(process.execPath, [cli, 'sweep', '--status', 'queued'], {
        cwd: work,
        encoding: 'utf8',
        env: queueEnv(q),
      });
      expect(status.stdout).toMatch(/ {2}done {6}12 \(0 diverged, 0 failed\)\n {2}running {3}0\n/);
      await expectNoPassword(q.password, ['queued'], [victim, ...others, coordinator, resumed]);
      for (const w of others) w.kill9();
    }, 300_000);

    it('hands a run back on a worker’s Ctrl-C, and loses nothing when Redis is killed and restarted mid-sweep', async () => {
      const q = await redis('redis-b');
      const few = [
        '--vary',
        'lr=0.01,0.03',
        '--vary',
        'momentum=0',
        '--seeds',
        '2',
        ...spec.slice(6),
      ];
      const first = worker(q);
      const coordinator = start(['sweep', ...few, '--queue', '--out', 'restarted'], queueEnv(q));
      await until('a checkpoint', () => count(first, 'worker-checkpoint') > 0);
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(130);
      const handed = /run (\w+): handed back at step (\d+); another worker goes on with it/.exec(
        first.out.stderr,
      );
      expect(handed, first.out.stderr).not.toBeNull();
      const second = worker(q);
      await until('a run finished', () => count(second, 'worker-run') >= 1);
      await q.restart();
      expect(await coordinator.exited, coordinator.out.stderr).toBe(0);
      expect(second.out.stderr).toContain(`run ${handed?.[1]}: resumed from step ${handed?.[2]}`);
      const got = await shas('restarted');
      expect(got.size).toBe(4);
      for (const [id, sha] of got) expect(sha, id).toBe(local.get(id));
      second.kill9();
    }, 300_000);

    it('refuses hostile jobs with their reasons and goes on; a wrong password or no Redis is exit 2 naming the host, not the password', async () => {
      const q = await redis('redis-c');
      const queue = new Queue('runs', {
        connection: { host: '127.0.0.1', port: q.port, password: q.password },
        prefix: 'mnist-lab',
      });
      const good = JSON.parse(await readFile(join(work, 'local', 'sweep.json'), 'utf8')).runs[0];
      const hostile: [string, unknown][] = [
        ['wide', { id: good.id, spec: { ...good.spec, hidden: [1e9] } }],
        ['nan', { id: good.id, spec: { ...good.spec, lr: 'NaN' } }],
        ['huge', { id: good.id, spec: good.spec, padding: 'x'.repeat(10 * 1024 * 1024) }],
        ['folder', { id: good.id, spec: { ...good.spec, data: '/etc' } }],
        ['forged', { id: 'ffffffffffffffff', spec: good.spec }],
      ];
      for (const [jobId, data] of hostile) await queue.add('run', data, { jobId });
      await queue.add('run', { id: good.id, spec: good.spec }, { jobId: good.id });
      const w = worker(q);
      await until('the good run', () => count(w, 'worker-run') === 1);
      const reasons = Object.fromEntries(
        await Promise.all(
          hostile.map(async ([id]) => [id, (await queue.getJob(id))?.failedReason]),
        ),
      );
      expect(reasons.wide).toMatch(/^job wide: hidden\.0: expected a number ≤ 16384/);
      expect(reasons.nan).toMatch(/^job nan: lr: expected a number, got "NaN"/);
      expect(reasons.huge).toMatch(
        /^job huge: 104\d{5} bytes of data; a run's job is at most 65536/,
      );
      expect(reasons.folder).toMatch(/^job folder: names a folder/);
      expect(reasons.forged).toMatch(/^job forged: its id is not its spec's/);
      expect(w.child.exitCode).toBeNull();
      await queue.close();
      w.kill9();
      const wrong = spawnSync(
        process.execPath,
        [cli, 'worker', '--queue', `redis://:wrongpass@127.0.0.1:${q.port}`],
        { encoding: 'utf8', timeout: 15_000 },
      );
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toBe(
        `mnist-lab: --queue redis://127.0.0.1:${q.port}/0: Redis at 127.0.0.1:${q.port} refused the user name or password\n`,
      );
      const sweep = spawnSync(
        process.execPath,
        [
          cli,
          'sweep',
          ...spec,
          '--queue',
          `redis://:wrongpass@127.0.0.1:${q.port}`,
          '--out',
          'never',
        ],
        { cwd: work, encoding: 'utf8', timeout: 30_000 },
      );
      expect(sweep.status).toBe(2);
      expect(sweep.stderr).not.toContain('wrongpass');
      expect(existsSync(join(work, 'never'))).toBe(false);
      await q.stop();
      const gone = spawnSync(
        process.execPath,
        [cli, 'worker', '--queue', `redis://:${q.password}@127.0.0.1:${q.port}`],
        { encoding: 'utf8', timeout: 15_000 },
      );
      expect(gone.status).toBe(2);
      expect(gone.stderr).toBe(
        `mnist-lab: --queue redis://127.0.0.1:${q.port}/0: nothing answers at 127.0.0.1:${q.port} (connection refused)\n`,
      );
      await expectNoPassword(q.password, [], [w]);
    }, 120_000);
  },
);
