import type { RedisOptions } from 'bullmq';
import type { RedisOptions as IoRedisOptions, Redis } from 'ioredis';
import { UsageError } from '../errors';

/** Where a sweep's runs wait: BullMQ's queue of this name, its keys under {@link QUEUE_PREFIX}. */
export const QUEUE_NAME = 'runs';
/** The prefix of every key mnist-lab keeps in Redis (BullMQ's and its own). */
export const QUEUE_PREFIX = 'mnist-lab';

/** What the queue carries, capped: a job, a run's checkpoint kept for another worker, a model. */
export const QUEUE_LIMITS = {
  /** A job's data as JSON: a run spec is well under 1 KB. */
  maxJobBytes: 64 * 1024,
  /** A checkpoint kept in Redis (model, optimizer state, the run's small files). */
  maxCheckpointBytes: 256 * 1024 * 1024,
  /** A model file a worker sends back (the lesson's is 2.1 MB; MLP_LIMITS' largest is 200 MB). */
  maxModelBytes: 256 * 1024 * 1024,
  /** Epochs a queued run may ask for. */
  maxEpochs: 1000,
  /** Examples per batch a queued run may ask for (a training set's size). */
  maxBatchSize: 60_000,
  /** How long a finished run's model and result stay in Redis for a coordinator to collect. */
  keepSeconds: 7 * 24 * 3600,
} as const;

/** A Redis URL, understood: how to connect, and how to name it without its password. */
export interface QueueAddress {
  /** `redis://host:port/db`, never with a password: for messages, logs and files. */
  readonly shown: string;
  /** `host:port`, for messages. */
  readonly host: string;
  readonly options: RedisOptions;
}

/**
 * Reads `redis://[user][:password@]host[:port][/db]` (or `rediss://` for TLS) as `flag` gave it.
 * The password goes into the connection options only: `shown` and every message leave it out.
 */
export function parseQueueUrl(text: string, flag = '--queue'): QueueAddress {
  const expected = `expected redis://[:password@]host[:port][/db] or rediss://… for TLS`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag}: not a URL; ${expected}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new UsageError(`${flag}: a ${url.protocol} URL; ${expected}`);
  if (url.hostname === '') throw new UsageError(`${flag}: no host; ${expected}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText))
    throw new UsageError(`${flag}: the database must be a number from 0 to 99; ${expected}`);
  const host = `${url.hostname}:${port}`;
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    shown: `${url.protocol}//${username === '' ? '' : `${username}@`}${host}/${dbText === '' ? 0 : Number(dbText)}`,
    host,
    options: {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      db: dbText === '' ? 0 : Number(dbText),
      ...(username === '' ? {} : { username }),
      ...(password === '' ? {} : { password }),
      ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
      // BullMQ's workers wait on blocking commands: they must retry, never give up.
      maxRetriesPerRequest: null,
    },
  };
}

/**
 * The queue's URL: `--queue URL`, or for `--queue` alone (`true`) `MNIST_LAB_QUEUE`, which keeps a
 * password out of `ps` and shell history.
 */
export function queueUrlOf(given: string | true): string {
  if (given !== true) return given;
  const env = process.env.MNIST_LAB_QUEUE;
  if (env === undefined || env === '')
    throw new UsageError('--queue without a URL reads MNIST_LAB_QUEUE, which is not set');
  return env;
}

/** What a Redis error means for the user, without the password (Redis' own words never hold it). */
function reason(address: QueueAddress, error: Error & { code?: string }): string {
  const text = error.message;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text))
    return `Redis at ${address.host} refused the user name or password`;
  if (/NOAUTH/i.test(text))
    return `Redis at ${address.host} wants a password (redis://:PASSWORD@${address.host})`;
  if (error.code === 'ECONNREFUSED')
    return `nothing answers at ${address.host} (connection refused)`;
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return `no host ${address.host.replace(/:\d+$/, '')} (name not found)`;
  if (/Protocol error/i.test(text))
    return `what answers at ${address.host} does not speak Redis (is it Redis' port?)`;
  if (error.code === 'ETIMEDOUT' || /timed? ?out/i.test(text))
    return `Redis at ${address.host} did not answer within 5 s`;
  return `Redis at ${address.host}: ${text}`;
}

/**
 * Connects once, in at most 5 s, and checks the server: a usage error naming the host (never the
 * password) when it cannot be reached, refuses the password, or is older than Redis 6.2.
 */
export async function checkRedis(address: QueueAddress, flag = '--queue'): Promise<void> {
  // Loaded here, not with the CLI: every command but a queue's starts without Redis's client.
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...(address.options as IoRedisOptions),
    lazyConnect: true,
    connectTimeout: 5000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The connection's own error says why (the promise only says that it closed); answered below.
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
    if (major < 6 || (major === 6 && minor < 2))
      throw new UsageError(
        `${flag} ${address.shown}: Redis ${major}.${minor} there; mnist-lab's queue (BullMQ) needs Redis 6.2 or later`,
      );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${address.shown}: ${reason(address, cause ?? (error as Error))}`);
  } finally {
    client.disconnect();
  }
}

/** A client for mnist-lab's own keys (checkpoints, models), retrying through a Redis restart. */
export async function redisClient(address: QueueAddress): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...(address.options as IoRedisOptions), lazyConnect: false });
  client.on('error', () => {});
  return client;
}

/** mnist-lab's own keys for a run. */
export const runKeys = (id: string) => ({
  checkpoint: `${QUEUE_PREFIX}:checkpoint:${id}`,
  model: `${QUEUE_PREFIX}:model:${id}`,
});
