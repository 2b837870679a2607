#!/usr/bin/env node
// `npm test`: set up what the suite needs on this machine (scripts/setup.mjs), run every
// workspace's tests through turbo, then print one closing line for all of them
// (scripts/test-summary.mjs), skipped tests named with their reasons.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const step = (args, env = process.env) =>
  spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;

if (step([join(root, 'scripts', 'setup.mjs')]) !== 0) process.exit(1);

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
// Dawn and Chromium warn on every start when there is no per-user runtime directory (a CI shell, a
// container): give them a private one.
if (!env.XDG_RUNTIME_DIR) {
  env.XDG_RUNTIME_DIR = join(tmpdir(), `mnist-lab-runtime-${process.getuid?.() ?? 'user'}`);
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
}
const turbo = join(root, 'node_modules', 'turbo', 'bin', 'turbo');
// OpenBLAS's kernels are timed once per machine (about two seconds) the first time it loads: do it
// now, alone, rather than inside a test that is timing something else.
if (
  step(
    [turbo, 'run', 'build', '--filter=@mnist-lab/backends', '--output-logs=errors-only'],
    env,
  ) === 0
)
  step(
    [
      '--input-type=module',
      '-e',
      "import('@mnist-lab/backends/internal').then((b) => b.loadOpenBlas()).catch(() => {});",
    ],
    env,
  );
// A report left by an earlier run must not be summed as this one's.
for (const base of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, base))) {
    rmSync(join(root, base, name, '.reports', 'vitest.json'), { force: true });
  }
}
const tests = step([turbo, 'run', 'test', '--continue', ...process.argv.slice(2)], env);
const summary = step([join(root, 'scripts', 'test-summary.mjs')]);
process.exit(tests === 0 && summary === 0 ? 0 : 1);
