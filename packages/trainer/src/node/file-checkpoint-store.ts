import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointData, CheckpointStore, TrainingPosition } from '../checkpoint';
import { TrainerError } from '../errors';

const STEP_DIR = /^step-(\d{9})$/;

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** Keep this many newest checkpoints, delete older ones. Defaults to 3. */
  readonly keepLast?: number;
}

/**
 * Checkpoints as directories `<dir>/step-000000123/` holding `model.safetensors` (the state dict,
 * loadable by PyTorch), `optimizer.safetensors` and `state.json`. Each is written in a temporary
 * directory and renamed into place once complete, so a run killed at any moment leaves the last
 * complete checkpoint intact; older ones beyond `keepLast` are removed.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;
  readonly keepLast: number;

  constructor(dir: string, options: FileCheckpointStoreOptions = {}) {
    this.dir = dir;
    this.keepLast = options.keepLast ?? 3;
    if (!Number.isInteger(this.keepLast) || this.keepLast < 1) {
      throw new TrainerError(
        'invalid-option',
        `FileCheckpointStore: keepLast must be a positive integer, got ${this.keepLast}`,
      );
    }
  }

  async save(checkpoint: CheckpointData): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = `step-${String(checkpoint.position.globalStep).padStart(9, '0')}`;
    const final = join(this.dir, name);
    const temp = join(this.dir, `.tmp-${name}-${randomBytes(4).toString('hex')}`);
    await mkdir(temp);
    try {
      await writeFile(join(temp, 'model.safetensors'), checkpoint.model);
      await writeFile(join(temp, 'optimizer.safetensors'), checkpoint.optimizer);
      await writeFile(
        join(temp, 'state.json'),
        `${JSON.stringify(checkpoint.position, null, 1)}\n`,
      );
      await rm(final, { recursive: true, force: true });
      await rename(temp, final);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    await this.prune();
    return final;
  }

  /** Complete checkpoint directories, oldest first. */
  async list(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch {
      return [];
    }
    return entries
      .filter((e) => STEP_DIR.test(e))
      .sort()
      .map((e) => join(this.dir, e));
  }

  async loadLatest(): Promise<CheckpointData | undefined> {
    const dirs = await this.list();
    const latest = dirs.at(-1);
    return latest === undefined ? undefined : loadCheckpointDir(latest);
  }

  private async prune(): Promise<void> {
    const dirs = await this.list();
    for (const old of dirs.slice(0, Math.max(0, dirs.length - this.keepLast)))
      await rm(old, { recursive: true, force: true });
    for (const e of await readdir(this.dir)) {
      if (e.startsWith('.tmp-step-')) await rm(join(this.dir, e), { recursive: true, force: true });
    }
  }
}

/** Reads one checkpoint directory, naming the file that is missing or unreadable. */
export async function loadCheckpointDir(dir: string): Promise<CheckpointData> {
  const read = async (file: string) => {
    try {
      return await readFile(join(dir, file));
    } catch (cause) {
      throw new TrainerError(
        'bad-checkpoint',
        `${join(dir, file)}: cannot read the checkpoint: ${(cause as Error).message}`,
        { cause },
      );
    }
  };
  const model = await read('model.safetensors');
  const optimizer = await read('optimizer.safetensors');
  let position: TrainingPosition;
  try {
    position = JSON.parse((await read('state.json')).toString('utf8')) as TrainingPosition;
  } catch (cause) {
    if (TrainerError.isInstance(cause)) throw cause;
    throw new TrainerError('bad-checkpoint', `${join(dir, 'state.json')}: not valid JSON`, {
      cause,
    });
  }
  return { model, optimizer, position };
}
