import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileError, makeDirectory } from '@mnist-lab/errors/node';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import { z } from 'zod';
import { UsageError } from './errors';
import { FolderInUseError, type FolderLock, isLockFile, lockFolder } from './folder-lock';

export type { FolderLock } from './folder-lock';

/** `run.json`: which run a folder belongs to, written when the run claims the folder. */
const manifestSchema = z.object({
  format: z.literal('mnist-lab-run'),
  id: z.string(),
  kind: z.enum(['train', 'compare', 'sweep']),
  name: z.string(),
  created: z.string(),
});
export type RunManifest = z.output<typeof manifestSchema>;

/**
 * Creates a directory and its parents one level at a time (`makeDirectory`: `/proc/self/x` fails at
 * once instead of hanging), as a usage error that names the flag.
 */
export async function makeDir(dir: string, flag: string): Promise<void> {
  try {
    await makeDirectory(dir);
  } catch (error) {
    if (!FileError.isInstance(error)) throw error;
    throw new UsageError(
      error.kind === 'not-regular'
        ? `${flag} ${dir}: ${error.path} is a file, not a folder`
        : `${flag} ${dir}: cannot create ${error.message}`,
    );
  }
}

/** Reads a folder's `run.json`, or undefined when it has none (or an unreadable one). */
export function readManifest(dir: string): RunManifest | undefined {
  try {
    return manifestSchema.parse(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')));
  } catch {
    return undefined;
  }
}

/** What `train`, `compare` and `sweep` write in their folders: all that `--force` may remove. */
const RUN_ENTRIES = new Set([
  'run.json',
  'config.json',
  'model.safetensors',
  'history.jsonl',
  'checkpoints',
  'report.md',
  'results.json',
  'runs',
  'sweep.json',
  'results.jsonl',
  'specs',
]);
/** A compare report's charts, and the temporary file of a write a kill interrupted. */
const RUN_PATTERNS = [
  /^(accuracy|final|loss|gradients|batchnorm|init|dropout|heatmap|axes|curves)\.(svg|png)$/,
  /\.\d+\.[0-9a-f]{8}\.tmp$/,
];
const isRunEntry = (name: string) =>
  RUN_ENTRIES.has(name) || RUN_PATTERNS.some((p) => p.test(name));

/** What stands in a folder, apart from a lock. */
async function contents(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((e) => !isLockFile(e));
  } catch {
    return [];
  }
}

/** How a command asks for its folder. */
export interface ClaimOptions {
  /** The folder asked for. */
  readonly dir: string;
  /** The flag that named it (`--out`), for messages. */
  readonly flag: string;
  /** Named by the user; a default folder moves to a fresh name instead of failing. */
  readonly explicit: boolean;
  /** Replace what another run left in the folder. */
  readonly force: boolean;
  readonly kind: RunManifest['kind'];
  /** A short name for the run (`relu-seed1`), kept in `run.json`. */
  readonly name: string;
  /** Told when the folder differs from the one asked for, or another run's files were replaced. */
  readonly log: (message: string) => void;
}

/**
 * Gives a new run a folder of its own, locked for this process, with `run.json` naming the run.
 * No run overwrites or prunes another's files: a folder that holds anything else is refused
 * (exit 2, naming what it holds) when the user named it, unless `force`, which removes what a run
 * left (and refuses, removing nothing, where the folder holds anything a run does not write); a
 * default folder that is taken moves on to `<dir>-2`, `<dir>-3`, … and says so.
 */
export async function claimRunFolder(options: ClaimOptions): Promise<FolderLock> {
  const asked = resolve(options.dir);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? asked : `${asked}-${n}`;
    await makeDir(dir, options.flag);
    let lock: FolderLock;
    try {
      lock = lockFolder(dir, options.flag);
    } catch (error) {
      // A default folder another process is using: this run takes the next name, as it does for
      // a folder a finished run holds.
      if (!options.explicit && error instanceof FolderInUseError) continue;
      throw error;
    }
    try {
      const present = await contents(dir);
      if (present.length > 0) {
        const other = readManifest(dir);
        const what =
          other === undefined
            ? `files that are not a run of this one (${present.slice(0, 4).join(', ')}${present.length > 4 ? ', …' : ''})`
            : `another run (${other.kind} ${other.name}, started ${other.created})`;
        if (!options.explicit && !options.force) {
          lock.release();
          continue;
        }
        if (!options.force)
          throw new UsageError(
            `${options.flag} ${dir} holds ${what}; choose another folder, resume it with --resume, or pass --force to replace it`,
          );
        const foreign = present.filter((e) => !isRunEntry(e));
        if (foreign.length > 0)
          throw new UsageError(
            `${options.flag} ${dir}: --force replaces what a run left there, but the folder also holds ${foreign.slice(0, 6).join(', ')}${foreign.length > 6 ? `, and ${foreign.length - 6} more` : ''}, which no run writes; move them, or choose another folder (nothing was removed)`,
          );
        for (const entry of present) await rm(join(dir, entry), { recursive: true, force: true });
        options.log(`--force: removed what ${dir} held: ${what}`);
      }
      if (dir !== asked) options.log(`${asked} holds another run; this one goes to ${dir}`);
      const manifest: RunManifest = {
        format: 'mnist-lab-run',
        id: randomUUID(),
        kind: options.kind,
        name: options.name,
        created: new Date().toISOString(),
      };
      await writeFileAtomic(join(dir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      return lock;
    } catch (error) {
      lock.release();
      throw error;
    }
  }
}

/** Locks the folder of a run being resumed, after checking that it is a run's folder. */
export async function claimResumeFolder(
  dir: string,
  made = 'a run folder of mnist-lab train',
): Promise<FolderLock> {
  const path = resolve(dir);
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new UsageError(`--resume ${dir}: no such folder; expected ${made}`);
  return lockFolder(path, '--resume');
}

/**
 * A run folder's `checkpoints/`, checked to be a folder of its own: a symbolic link (into another
 * run's folder, say) is refused, so that pruning never reaches another run's checkpoints.
 */
export async function ownCheckpoints(dir: string, flag: string): Promise<string> {
  const path = join(dir, 'checkpoints');
  let info: Awaited<ReturnType<typeof lstat>> | undefined;
  try {
    info = await lstat(path);
  } catch {
    return path;
  }
  if (info.isSymbolicLink() || !info.isDirectory())
    throw new UsageError(
      `${flag} ${dir}: ${path} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; a run keeps its checkpoints in a folder of its own (and prunes only those): remove it`,
    );
  return path;
}
