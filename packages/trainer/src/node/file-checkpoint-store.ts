import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readRegularFile } from '@mnist-lab/errors/node';
import type { CheckpointData, CheckpointStore } from '../checkpoint';
import { TrainerError } from '../errors';
import { parseTrainingPosition } from '../training-position';
import { writeSynced } from './atomic-write';
import { ProbeLog, type ProbeLogMark, withoutProbes } from './probe-log';

const STEP_DIR = /^step-(\d{9})$/;
/** The largest checkpoint file read: the builder's most parameters with Adam's two slots, as float64. */
const CHECKPOINT_FILE_MAX_BYTES = 2 ** 32;
const FILES = ['model.safetensors', 'optimizer.safetensors'] as const;

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** Keep this many newest checkpoints, delete older ones. Defaults to 3. */
  readonly keepLast?: number;
  /**
   * Told when {@link FileCheckpointStore.loadLatest} passes over a broken checkpoint for an older
   * intact one. Defaults to a line on stderr.
   */
  readonly onWarning?: (message: string) => void;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Flushes a directory's entries (a rename into it) to the disk. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Checkpoints as directories `<dir>/step-000000123/` holding `model.safetensors` (the state dict,
 * loadable by PyTorch), `optimizer.safetensors` and `state.json` (the training position and the
 * SHA-256 of both tensor files). Each is written in a temporary directory, flushed to the disk and
 * renamed into place once complete, so a run killed at any moment leaves the last complete
 * checkpoint intact; older ones beyond `keepLast` are removed. Loading verifies the checksums and
 * the position, and falls back to the newest intact checkpoint.
 *
 * A store owns its directory: give each run its own (the CLI refuses a folder that holds another
 * run's files).
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;
  readonly keepLast: number;
  private readonly warn: (message: string) => void;
  private readonly probes: ProbeLog;

  constructor(dir: string, options: FileCheckpointStoreOptions = {}) {
    this.dir = dir;
    this.keepLast = options.keepLast ?? 3;
    this.warn = options.onWarning ?? ((message) => process.stderr.write(`warning: ${message}\n`));
    this.probes = new ProbeLog(dir);
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
      await writeSynced(join(temp, FILES[0]), checkpoint.model);
      await writeSynced(join(temp, FILES[1]), checkpoint.optimizer);
      const probeLog = await this.probes.append(checkpoint.position);
      const state = {
        ...withoutProbes(checkpoint.position),
        probeLog,
        sha256: { [FILES[0]]: sha256(checkpoint.model), [FILES[1]]: sha256(checkpoint.optimizer) },
      };
      // The position is covered too: the SHA-256 of the rest of state.json, as JSON.
      const sealed = { ...state, stateSha256: sha256(Buffer.from(JSON.stringify(state))) };
      await writeSynced(join(temp, 'state.json'), `${JSON.stringify(sealed, null, 1)}\n`);
      await syncDir(temp);
      await rm(final, { recursive: true, force: true });
      await rename(temp, final);
      await syncDir(this.dir);
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

  /**
   * The newest checkpoint that reads back intact (checksums and position verified), or undefined
   * when there is none. A broken newer one is set aside as `step-….broken`, with a warning, so that
   * later saves and pruning go on from the intact one.
   */
  async loadLatest(): Promise<CheckpointData | undefined> {
    const dirs = await this.list();
    for (let i = dirs.length - 1; i >= 0; i--) {
      const dir = dirs[i] as string;
      try {
        return await readCheckpointDir(dir, this.probes, true);
      } catch (error) {
        if (!TrainerError.isInstance(error)) throw error;
        const older = dirs[i - 1];
        const aside = await freeName(`${dir}.broken`);
        await rename(dir, aside);
        this.warn(
          `${error.message}; set it aside as ${aside} and ${older === undefined ? 'found no older checkpoint' : `resuming from ${older}`}`,
        );
      }
    }
    return undefined;
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

/** `path`, or `path-2`, `path-3`, … : the first that does not exist (a second broken checkpoint of one step). */
async function freeName(path: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? path : `${path}-${n}`;
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}

/**
 * Reads one checkpoint directory and verifies it: both tensor files must match the SHA-256 that
 * `state.json` records, `state.json` its own (`stateSha256`, over the rest of it; checkpoints from
 * before it had one are read without), the probes it covers in the checkpoints' `probes.jsonl`, and
 * the position must add up. Errors name the file.
 */
export function loadCheckpointDir(dir: string): Promise<CheckpointData> {
  return readCheckpointDir(dir, new ProbeLog(dirname(dir)), false);
}

/** {@link loadCheckpointDir} with the log its probes are in; `resume` makes the log go on from it. */
async function readCheckpointDir(
  dir: string,
  probes: ProbeLog,
  resume: boolean,
): Promise<CheckpointData> {
  const read = async (file: string) => {
    try {
      // A regular file only: a symbolic link to /dev/zero, or a FIFO, is a damaged checkpoint.
      return await readRegularFile(join(dir, file), CHECKPOINT_FILE_MAX_BYTES, 'the checkpoint');
    } catch (cause) {
      // Its message names the file: `…/state.json: cannot read the checkpoint: no such file…`.
      throw new TrainerError('bad-checkpoint', (cause as Error).message, { cause });
    }
  };
  const statePath = join(dir, 'state.json');
  let state: unknown;
  try {
    state = JSON.parse(new TextDecoder().decode(await read('state.json')));
  } catch (cause) {
    if (TrainerError.isInstance(cause)) throw cause;
    throw new TrainerError('bad-checkpoint', `${statePath}: not valid JSON`, { cause });
  }
  const sealed =
    typeof state === 'object' && state !== null
      ? (state as { stateSha256?: unknown }).stateSha256
      : undefined;
  if (sealed !== undefined) {
    const { stateSha256: _, ...rest } = state as Record<string, unknown>;
    const actual = sha256(Buffer.from(JSON.stringify(rest)));
    if (actual !== sealed)
      throw new TrainerError(
        'bad-checkpoint',
        `${statePath}: SHA-256 ${actual} of the position does not match ${String(sealed)} it records (the file was edited or damaged)`,
      );
  }
  const position = parseTrainingPosition(state, statePath);
  const sums = (state as { sha256?: unknown }).sha256 as Record<string, unknown> | undefined;
  const [model, optimizer] = await Promise.all(FILES.map(read));
  for (const [file, bytes] of [
    [FILES[0], model],
    [FILES[1], optimizer],
  ] as const) {
    const expected = typeof sums === 'object' && sums !== null ? sums[file] : undefined;
    if (typeof expected !== 'string') {
      throw new TrainerError(
        'bad-checkpoint',
        `${statePath}: no SHA-256 recorded for ${file}; expected a checkpoint written by FileCheckpointStore`,
      );
    }
    const actual = sha256(bytes as Uint8Array);
    if (actual !== expected) {
      throw new TrainerError(
        'bad-checkpoint',
        `${join(dir, file)}: SHA-256 ${actual} does not match ${expected} in state.json (the file is damaged)`,
      );
    }
  }
  const mark = (state as { probeLog?: ProbeLogMark }).probeLog;
  return {
    model: model as Uint8Array,
    optimizer: optimizer as Uint8Array,
    position: await probes.restore(position, mark, statePath, resume),
  };
}
