import { randomUUID } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors';

// A run folder's lock, for one process at a time, taken atomically even when many processes race
// to take over a stale one. Locks are files `.lock.<n>`: the one with the highest n is the lock.
// Taking it creates `.lock.<n+1>` by link(2), which fails when the file exists: of processes that
// saw the same stale `.lock.<n>`, exactly one creates the next. Nothing is ever deleted to take a
// lock over (deleting a stale file races with a process that has just created a live one); the
// winner then removes the lower numbers. Whether an owner is alive is told from its process start
// time and the machine's boot id, not its pid alone, which another process may have been given.

/** A lock file's name, and its number (`.lock` alone, as mnist-lab 0.1 named it, is number 0). */
const LOCK_NAME = /^\.lock(?:\.(\d+))?$/;
/** A file of a lock being made (written whole before it is linked in place). */
const TEMP_PREFIX = '.lock.tmp-';

/** Whether a folder entry belongs to its lock (the lock files and their temporary files). */
export const isLockFile = (name: string): boolean =>
  LOCK_NAME.test(name) || name.startsWith(TEMP_PREFIX);

/** What a lock file records of its owner. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The machine's boot id (Linux): a lock from before a reboot is stale whatever its pid. */
  readonly boot?: string;
  /** The process's start time in clock ticks after boot (Linux): tells it from a reused pid. */
  readonly start?: string;
  readonly started: string;
  readonly argv: readonly string[];
}

/** A held lock on a run folder; released when the process exits, however it exits. */
export interface FolderLock {
  readonly dir: string;
  release(): void;
}

/** The folder is locked by a live process (or one this machine cannot see). */
export class FolderInUseError extends UsageError {}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** This machine's boot id, where the system has one. */
function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim();
}

/** A process's start time after boot, in clock ticks (field 22 of `/proc/<pid>/stat`), on Linux. */
function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: count after its end.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields?.[19];
}

/** True when a process with this id runs here (where there is no /proc to say more). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process, as a lock records it. */
function me(): LockOwner {
  const boot = bootId();
  const start = processStart(process.pid);
  return {
    pid: process.pid,
    host: hostname(),
    ...(boot === undefined ? {} : { boot }),
    ...(start === undefined ? {} : { start }),
    started: new Date().toISOString(),
    argv: process.argv.slice(2),
  };
}

/**
 * Whether a lock's owner still runs: `alive`, `dead` (its process is gone, the machine rebooted,
 * or its pid now belongs to a process that started at another time), or `unknown` (another machine
 * or container: its processes cannot be seen from here).
 */
function ownerState(o: LockOwner): 'alive' | 'dead' | 'unknown' {
  if (o.host !== hostname()) return 'unknown';
  const boot = bootId();
  if (o.boot !== undefined && boot !== undefined && o.boot !== boot) return 'dead';
  if (o.start !== undefined && boot !== undefined) {
    const now = processStart(o.pid);
    return now !== undefined && now === o.start ? 'alive' : 'dead';
  }
  return pidAlive(o.pid) ? 'alive' : 'dead';
}

/** The folder's lock files, highest number first. */
function lockFiles(dir: string): { n: number; path: string }[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const m = LOCK_NAME.exec(name);
      return m === null ? [] : [{ n: Number(m[1] ?? 0), path: join(dir, name) }];
    })
    .sort((a, b) => b.n - a.n);
}

/** A lock file's owner; `undefined` when it is gone or was never written whole. */
function readOwner(path: string): LockOwner | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

function inUse(dir: string, flag: string, path: string, o: LockOwner, unknown: boolean): never {
  const who = `process ${o.pid} on ${o.host} (mnist-lab ${(o.argv ?? []).join(' ')}, started ${o.started})`;
  throw new FolderInUseError(
    unknown
      ? `${flag} ${dir}: in use by ${who}, which this machine cannot see; if no mnist-lab runs there any more (another machine or container), delete ${path} and run again`
      : `${flag} ${dir}: in use by ${who}; wait for it to finish, or choose another folder`,
  );
}

/**
 * Creates `path` holding `body`, whole, only if it does not exist: written to a file of its own,
 * then linked in place (an `EEXIST` error when another process got there first). Where the file
 * system has no hard links, an exclusive create (`wx`) instead.
 */
function createWhole(dir: string, path: string, body: string): void {
  const temp = join(dir, `${TEMP_PREFIX}${randomUUID()}`);
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    const direct = openSync(path, 'wx');
    try {
      writeSync(direct, body);
    } finally {
      closeSync(direct);
    }
  } finally {
    unlinkSync(temp);
  }
}

/** How long a lock file that cannot be read may be one being written, before it counts as stale. */
const HALF_WRITTEN_MS = 2000;

/**
 * Locks `dir` for this process. A lock held by a live process fails with a {@link FolderInUseError}
 * naming it (and, for another machine's, the file to delete if that run is gone); one left by a
 * process that is gone (kill -9, a reboot, a reused pid) is taken over. Taking it is atomic: of many
 * processes that race for it, one gets it and the others are told it is in use. Creating the lock
 * also proves the folder can be written, before any training starts.
 */
export function lockFolder(
  dir: string,
  flag: string,
  /** For tests: runs between judging the lock free or stale and taking it (widens a race). */
  testHooks: { beforeTake?: () => void } = {},
): FolderLock {
  const body = `${JSON.stringify(me())}\n`;
  let held: string | undefined;
  for (let attempt = 0; held === undefined; attempt++) {
    if (attempt > 100) throw new UsageError(`${flag} ${dir}: could not take its lock; try again`);
    let files: { n: number; path: string }[];
    try {
      files = lockFiles(dir);
    } catch (error) {
      throw new UsageError(`${flag} ${dir}: cannot read this folder: ${(error as Error).message}`);
    }
    const top = files[0];
    if (top !== undefined) {
      const owner = readOwner(top.path);
      if (owner === undefined) {
        // Gone since the listing (look again), or half-written: wait for it unless it is old.
        let age = Number.POSITIVE_INFINITY;
        try {
          age = Date.now() - statSync(top.path).mtimeMs;
        } catch {
          continue;
        }
        if (age < HALF_WRITTEN_MS) {
          pause(20);
          continue;
        }
      } else if (!(owner.pid === process.pid && owner.host === hostname())) {
        const state = ownerState(owner);
        if (state !== 'dead') inUse(dir, flag, top.path, owner, state === 'unknown');
      }
    }
    const path = join(dir, `.lock.${(top?.n ?? 0) + 1}`);
    testHooks.beforeTake?.();
    try {
      createWhole(dir, path, body);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UsageError(
        `${flag} ${dir}: cannot write in this folder: ${(error as Error).message.replace(/^\w+: /, '')}`,
      );
    }
    // A process that listed before a lower number was removed may just have created it: the
    // highest number holds the lock, and a lower one backs off.
    const mine = (top?.n ?? 0) + 1;
    if (lockFiles(dir).some((f) => f.n > mine)) {
      unlinkQuietly(path);
      continue;
    }
    held = path;
  }
  const path = held;
  for (const f of lockFiles(dir)) if (f.path !== path) unlinkQuietly(f.path);
  const release = () => {
    process.off('exit', release);
    unlinkQuietly(path);
  };
  process.on('exit', release);
  return { dir, release };
}

/** Waits `ms` milliseconds, blocking (locks are taken before anything asynchronous starts). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to remove.
  }
}
