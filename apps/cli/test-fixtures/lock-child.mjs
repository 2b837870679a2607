// One contender of the lock race test (run-folders.test.ts): waits until the given start time, then
// tries to lock the folder; if it gets the lock, writes when it held it to the log (one append per
// line), holds it a moment and releases it. Exit code 0: held; 3: told the folder is in use.
// Usage: node lock-child.mjs DIR LOG START_MS [TAKE_DELAY_MS]: with a delay, it waits that long between
// judging the lock stale and taking it, so that every contender judges before any takes.
import { appendFileSync } from 'node:fs';
import { FolderInUseError, lockFolder } from '../dist/folder-lock.js';

const [dir, log, start, delay = '0'] = process.argv.slice(2);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
while (Date.now() < Number(start));
let lock;
try {
  lock = lockFolder(dir, '--out', { beforeTake: () => sleep(Number(delay)) });
} catch (error) {
  if (error instanceof FolderInUseError) process.exit(3);
  throw error;
}
const from = performance.timeOrigin + performance.now();
appendFileSync(log, `acquired ${process.pid} ${from}\n`);
sleep(30);
const to = performance.timeOrigin + performance.now();
appendFileSync(log, `released ${process.pid} ${to}\n`);
lock.release();
