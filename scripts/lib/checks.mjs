// What the scripts that check the project as users meet it share (fresh-install.mjs,
// release-check.mjs): running a command for its output, saying each check's outcome under the
// script's name, and ending with the count of failures.
import { spawnSync } from 'node:child_process';

/** Runs a command to its end: its exit code and its stdout and stderr together. */
export function run(cmd, args, cwd, extra = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', ...extra });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * A script's report: `say` prints a line under its name; `check` says `ok` or `FAILED` (with the
 * detail when it failed) and counts failures; `finish` says the outcome and exits 1 on a failure.
 */
export function checker(name) {
  const failures = [];
  const say = (line) => console.log(`${name}: ${line}`);
  const check = (ok, line, detail = '') => {
    say(`${ok ? 'ok' : 'FAILED'}: ${line}`);
    if (ok) return;
    failures.push(line);
    if (detail) console.log(detail);
  };
  const finish = () => {
    if (failures.length > 0) {
      say(`${failures.length} check(s) failed`);
      process.exit(1);
    }
    say('all checks passed');
  };
  return { say, check, finish };
}
