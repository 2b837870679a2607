// The same 16-run sweep on this machine three ways, in one invocation: local (`mnist-lab sweep`,
// its runs balanced over the cores), and on a queue (`--queue`, BullMQ on a Redis started here on
// a loopback port, with a password and an append-only file fsynced every second, as Debian's
// redis-server runs it) with 1 and with 2 workers (`mnist-lab worker`, one run at a time each,
// started and ready before the sweep is: workers are services that wait for runs).
// Measures each sweep's wall time, the queue's overhead per run (a job added → a worker takes it
// when one is free; a run finished → its result collected into the folder), the runs' training
// time (a queued run against a local one), and Redis' memory and append-only file per run; checks
// that the queued sweeps' model files are the local sweep's. Prints the results and rewrites the
// "Measured by npm run bench:sweep" section of BENCHMARKS.md.
// Run: npm run bench:sweep [-- --train-size 12000] [--epochs 2] [--rounds 2] [--no-write]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, machineLine, root, usageOnHelp, writeSection } from './shared.mjs';

usageOnHelp(import.meta.url);

const cli = join(root, 'apps/cli/dist/cli.js');
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-bench-sweep-'));
const trainSize = flag('--train-size', '12000');
const epochs = flag('--epochs', '2');
// 16 runs: lr × momentum, the lesson's network, one seed.
const sweep = [
  ...['--vary', 'lr=0.003,0.01,0.03,0.1', '--vary', 'momentum=0,0.5,0.8,0.9'],
  ...['--epochs', epochs, '--train-size', trainSize, '--test-size', '2000'],
];

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A Redis of its own in `dir`: started, answering, and how to stop it. */
async function redis(dir) {
  mkdirSync(dir);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--dir', dir],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve, reject) => {
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      log += c;
      if (log.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', () => reject(new Error(`redis-server exited:\n${log}`)));
  });
  const cliArgs = ['-p', String(port), '-a', password, '--no-auth-warning'];
  const info = (section) =>
    Object.fromEntries(
      spawnSync('redis-cli', [...cliArgs, 'info', section], { encoding: 'utf8' })
        .stdout.split('\r\n')
        .filter((l) => l.includes(':'))
        .map((l) => l.split(':')),
    );
  const aofBytes = () =>
    readdirSync(join(dir, 'appendonlydir')).reduce(
      (n, f) => n + statSync(join(dir, 'appendonlydir', f)).size,
      0,
    );
  return {
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    info,
    aofBytes,
    stop: () => child.kill('SIGTERM'),
  };
}

/** Runs the CLI to its end; its JSON events and its wall seconds. */
function cliRun(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`mnist-lab ${args.join(' ')}: exit ${code}\n${err}`));
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      resolve({ events, seconds: (performance.now() - started) / 1000 });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
const results = (dir) =>
  readFileSync(join(work, dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
/** A run's training seconds: its epochs' own times (not the process start or the data). */
const trainSeconds = (r) =>
  r.history.reduce((s, h) => s + h.seconds + (h.validationSeconds ?? 0), 0);

/** The queue's overheads from the coordinator's events: per run, in ms. */
function overheads(events, workers) {
  const runs = events.filter((e) => e.event === 'sweep-run').map((e) => e.queue);
  // A worker takes its next job this long after it finished the one before (or after the sweep
  // was queued, for its first): the queue's side of "enqueue → start".
  const starts = [...runs].sort((a, b) => a.started - b.started);
  const free = [];
  const queuedAt = events.find((e) => e.event === 'sweep-queued').at;
  const pickup = starts.map((r, i) => {
    const freedAt = i < workers ? queuedAt : free.shift();
    free.push(r.finished);
    free.sort((a, b) => a - b);
    return r.started - Math.max(freedAt, r.added);
  });
  return { pickup: median(pickup), collect: median(runs.map((r) => r.collected - r.finished)) };
}

async function queued(workers, name) {
  const r = await redis(join(work, `redis-${name}`));
  const env = { ...process.env, MNIST_LAB_QUEUE: r.url };
  const procs = Array.from({ length: workers }, () =>
    spawn(process.execPath, [cli, 'worker', '--json', '-q'], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  // Workers are services, started before a sweep: the sweep is timed from when they take runs.
  await Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve, reject) => {
          p.stdout
            .setEncoding('utf8')
            .on('data', (c) => c.includes('"event":"worker"') && resolve());
          p.once('exit', (code) => reject(new Error(`a worker exited with code ${code}`)));
        }),
    ),
  );
  try {
    const run = await cliRun(['sweep', ...sweep, '--queue', '--json', '--out', name], env);
    const memory = r.info('memory');
    return {
      ...run,
      overhead: overheads(run.events, workers),
      redisBytes: Number(memory.used_memory),
      redisPeak: Number(memory.used_memory_peak),
      aofBytes: r.aofBytes(),
    };
  } finally {
    for (const p of procs) p.kill('SIGINT');
    await Promise.all(
      procs.map((p) => new Promise((res) => (p.exitCode === null ? p.on('exit', res) : res()))),
    );
    r.stop();
  }
}

const empty = await redis(join(work, 'redis-empty'));
const emptyBytes = Number(empty.info('memory').used_memory);
empty.stop();
// This machine's speed drifts by several per cent from minute to minute: local and 2 workers are
// each run `rounds` times, interleaved, and the faster of each is compared (both are printed).
const rounds = Number(flag('--rounds', '2'));
const locals = [];
const twos = [];
let one;
for (let i = 1; i <= rounds; i++) {
  locals.push({
    ...(await cliRun(['sweep', ...sweep, '--json', '--out', `local-${i}`])),
    dir: `local-${i}`,
  });
  if (i === 1) one = { ...(await queued(1, 'queue-1')), dir: 'queue-1' };
  twos.push({ ...(await queued(2, `queue-2-${i}`)), dir: `queue-2-${i}` });
}
const best = (xs) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const local = best(locals);
const two = best(twos);
const localRuns = results(local.dir);
const sha = new Map(localRuns.map((r) => [r.id, r.modelSha256]));
const same = [...locals, one, ...twos].every((x) =>
  results(x.dir).every((r) => sha.get(r.id) === r.modelSha256),
);
const train = (xs) => median(xs.flatMap((x) => results(x.dir).map(trainSeconds)));
const modelBytes = statSync(
  join(work, local.dir, 'runs', localRuns[0].id, 'model.safetensors'),
).size;
const walls = (xs) =>
  `${best(xs).seconds.toFixed(1)} s${xs.length > 1 ? ` (${xs.map((x) => x.seconds.toFixed(1)).join(', ')})` : ''}`;
const rows = [
  ['local (balanced over the cores)', locals, undefined],
  ['queue, 1 worker', [one], one],
  ['queue, 2 workers', twos, two],
];
const ms = (x) => (x === undefined ? '—' : `${x.toFixed(0)} ms`);
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const lines = [
  '',
  `${machineLine()}; redis-server ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1]}; ${new Date().toISOString().slice(0, 10)}.`,
  `16 runs (lr × momentum, the lesson's network), ${epochs} epochs of ${trainSize} examples and 2000 test examples each; workers take one run at a time, started before the sweep. Local and 2 workers ran ${rounds} times each, interleaved: the faster wall time is compared, every one in brackets. Model files of every queued sweep equal the local sweep's: **${same ? 'yes' : 'NO'}**.`,
  '',
  '| sweep | wall time | against local | median run: training | job taken after a worker is free (median) | result collected after it finished (median) | Redis memory: peak, after | append-only file (per run) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    ([name, xs, q]) =>
      `| ${name} | ${walls(xs)} | ${(best(xs).seconds / local.seconds).toFixed(2)}× | ${train(xs).toFixed(2)} s (${(train(xs) / train(locals)).toFixed(2)}× local) | ${ms(q?.overhead.pickup)} | ${ms(q?.overhead.collect)} | ${q === undefined ? '—' : `${mb(q.redisPeak - emptyBytes)}, ${mb(q.redisBytes - emptyBytes)}`} | ${q === undefined ? '—' : `${mb(q.aofBytes)} (${mb(q.aofBytes / 16)})`} |`,
  ),
  '',
  `A model file is ${mb(modelBytes)}: Redis holds a finished run's until the sweep collects it into its folder (at most 7 days), then only its result; a run's checkpoint (weights and momentum, ${mb(2 * modelBytes)}) is kept once the run has trained 30 s, and again every 30 s (\`--keep-every\`): these runs are shorter. The queue's share of the local wall time: (2 workers' − local's) / local's = ${(((two.seconds - local.seconds) / local.seconds) * 100).toFixed(1)} %.`,
];
console.log(lines.join('\n'));
if (!process.argv.includes('--no-write'))
  console.log(`written to ${writeSection('## Measured by `npm run bench:sweep`', lines)}`);
rmSync(work, { recursive: true, force: true });
