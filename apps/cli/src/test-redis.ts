// A real Redis for the queue's tests: Debian's redis-server on a free loopback port, with a
// password and the append-only file fsynced at every write, in a folder of its own.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** Why the queue's tests cannot run here, or undefined when redis-server is installed. */
export const redisMissing: string | undefined = (() => {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0
    ? undefined
    : 'redis-server is not installed (node scripts/setup.mjs installs Debian’s)';
})();

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A running test Redis: its URL (with the password), and how to stop or kill and restart it. */
export interface TestRedis {
  readonly url: string;
  readonly password: string;
  readonly port: number;
  /** Killed with SIGKILL and started again on the same port and files. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function launch(port: number, password: string, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password],
      ...['--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', dir],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${log}`)),
      10_000,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${log}`));
    });
  });
}

/** Starts a Redis of its own in `dir`, on a free loopback port, with a random password. */
export async function startRedis(dir: string): Promise<TestRedis> {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  let child = await launch(port, password, dir);
  const stopped = (c: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  return {
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    password,
    port,
    async restart() {
      await stopped(child, 'SIGKILL');
      child = await launch(port, password, dir);
    },
    stop: () => stopped(child, 'SIGTERM'),
  };
}
