import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readRegularFile } from '@mnist-lab/errors/node';
import type { Redis } from 'ioredis';
import { QUEUE_LIMITS, runKeys } from './connection';

/**
 * What of a run folder a checkpoint in Redis holds: the run's own small files and one checkpoint.
 * Anything else read back from Redis is refused (its paths are untrusted).
 */
const CHECKPOINT_FILES =
  /^(run\.json|config\.json|probes\.jsonl|checkpoints\/step-\d{1,12}\/(model\.safetensors|optimizer\.safetensors|state\.json))$/;

/** The files to keep for a checkpoint at `location` (a `checkpoints/step-…` folder of `dir`). */
async function checkpointFiles(dir: string, location: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let total = 0;
  const add = async (relative: string) => {
    if (!CHECKPOINT_FILES.test(relative)) return;
    const bytes = Buffer.from(
      await readRegularFile(
        join(dir, relative),
        QUEUE_LIMITS.maxCheckpointBytes,
        'a checkpoint file',
      ),
    );
    total += bytes.length;
    if (total > QUEUE_LIMITS.maxCheckpointBytes)
      throw new Error(
        `the checkpoint is over ${QUEUE_LIMITS.maxCheckpointBytes >> 20} MB, more than the queue keeps`,
      );
    files.set(relative, bytes);
  };
  for (const entry of await readdir(dir))
    if ((await lstat(join(dir, entry))).isFile()) await add(entry);
  const step = location.split(/[\\/]/).at(-1) as string;
  for (const entry of await readdir(location)) await add(`checkpoints/${step}/${entry}`);
  return files;
}

/**
 * Keeps the checkpoint at `location` of run `id` in Redis, replacing the one before it in one
 * transaction (a worker that dies mid-upload leaves the previous one whole).
 */
export async function keepCheckpoint(
  client: Redis,
  id: string,
  dir: string,
  location: string,
): Promise<number> {
  const files = await checkpointFiles(dir, location);
  const key = runKeys(id).checkpoint;
  const incoming = `${key}:incoming:${randomUUID()}`;
  const multi = client.multi().del(incoming);
  for (const [path, bytes] of files) multi.hset(incoming, path, bytes);
  multi.expire(incoming, QUEUE_LIMITS.keepSeconds).rename(incoming, key);
  const replies = await multi.exec();
  const failed = replies?.find(([error]) => error !== null)?.[0];
  if (failed) throw failed;
  return [...files.values()].reduce((n, b) => n + b.length, 0);
}

/**
 * Writes run `id`'s checkpoint kept in Redis into `dir` (empty), for `train --resume dir`; false
 * when there is none. Its fields are checked (names, total size) before any is read in full.
 */
export async function restoreCheckpoint(client: Redis, id: string, dir: string): Promise<boolean> {
  const key = runKeys(id).checkpoint;
  const fields = await client.hkeys(key);
  if (fields.length === 0) return false;
  const bad = fields.find((f) => !CHECKPOINT_FILES.test(f));
  if (bad !== undefined || fields.length > 16)
    throw new Error(
      `the checkpoint kept for run ${id} holds ${JSON.stringify(bad ?? `${fields.length} files`)}, not a run's files`,
    );
  const sizes = await Promise.all(fields.map((f) => client.hstrlen(key, f)));
  if (sizes.reduce((a, b) => a + b, 0) > QUEUE_LIMITS.maxCheckpointBytes)
    throw new Error(`the checkpoint kept for run ${id} is larger than the queue keeps`);
  for (const field of fields) {
    const bytes = await client.hgetBuffer(key, field);
    if (bytes === null) return false;
    await mkdir(dirname(join(dir, field)), { recursive: true });
    await writeFile(join(dir, field), bytes);
  }
  return true;
}

/** Keeps a finished run's model file for the coordinator, and drops its checkpoint. */
export async function keepModel(client: Redis, id: string, model: Uint8Array): Promise<void> {
  const keys = runKeys(id);
  await client
    .multi()
    .set(keys.model, Buffer.from(model), 'EX', QUEUE_LIMITS.keepSeconds)
    .del(keys.checkpoint)
    .exec();
}

/** A finished run's model file, or undefined when Redis holds none (or more than the cap). */
export async function modelOf(client: Redis, id: string): Promise<Buffer | undefined> {
  const key = runKeys(id).model;
  const size = await client.strlen(key);
  if (size === 0 || size > QUEUE_LIMITS.maxModelBytes) return undefined;
  return (await client.getBuffer(key)) ?? undefined;
}
