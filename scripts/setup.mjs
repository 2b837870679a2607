#!/usr/bin/env node
// The system packages the test suite needs, installed before `npm test` runs anything.
//
// On Debian (and Ubuntu) it installs what is missing with apt-get when it can (as root, or with
// passwordless sudo); otherwise it stops at once with one message naming what is missing and the
// command that installs it. `--check` only checks (exit 1 when something is missing). Elsewhere
// (macOS, other Linux) it says what the tests need; MNIST_LAB_SKIP_SETUP=1 runs them anyway.
import { spawnSync } from 'node:child_process';

/** Debian package → why the tests need it. */
const SYSTEM_PACKAGES = {
  'dataset-fashion-mnist': 'a second real IDX dataset (the data tests load it with --data DIR)',
  chromium: "the web lab's end-to-end tests, and SwiftShader: a software WebGPU adapter for Dawn",
  libvulkan1: 'the Vulkan loader Dawn needs to reach SwiftShader',
  'fonts-dejavu-core': 'the text of the PNG charts',
  'libopenblas0-pthread': "OpenBLAS under wasm's matrix products in Node (its tests require it)",
  'python3-onnx': "ONNX's own loader and checker, which read an exported model's metadata back",
  'redis-server': "the sweep queue's tests: each starts its own Redis on a free loopback port",
};

const names = Object.keys(SYSTEM_PACKAGES);
const checkOnly = process.argv.includes('--check');
const say = (line) => process.stderr.write(`setup: ${line}\n`);
const run = (cmd, args, options = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

if (process.env.MNIST_LAB_SKIP_SETUP === '1') {
  say('MNIST_LAB_SKIP_SETUP=1: not checking the system packages');
  process.exit(0);
}

// dpkg-query's format fields, not a template: `${Package} ${Status}`.
const format = ['-f=$', '{Package} $', '{Status}\n'].join('');
const dpkg = run('dpkg-query', ['-W', format, ...names]);
if (dpkg.error !== undefined) {
  say(
    `this is not a Debian system (no dpkg-query); the tests need: ${names
      .map((n) => `${n} (${SYSTEM_PACKAGES[n]})`)
      .join(
        '; ',
      )}. Install their equivalents, then run again with MNIST_LAB_SKIP_SETUP=1 (docs/RELIABILITY.md).`,
  );
  process.exit(1);
}
const installed = new Set(
  dpkg.stdout
    .split('\n')
    .filter((line) => line.endsWith(' install ok installed'))
    .map((line) => line.split(' ')[0]),
);
const missing = names.filter((n) => !installed.has(n));
if (missing.length === 0) process.exit(0);

const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
const root = process.getuid?.() === 0;
const sudo = !root && run('sudo', ['-n', 'true']).status === 0;
if (checkOnly || !(root || sudo)) {
  say(
    `missing Debian packages: ${missing.join(', ')}. Install them with:\n  sudo apt-get update && sudo ${install.join(' ')}`,
  );
  process.exit(1);
}

say(`installing ${missing.join(', ')} (apt-get)`);
const prefix = sudo ? ['sudo', '-n'] : [];
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
// Each step has a time limit: a mirror that never answers must not hang `npm test` for ever.
// MNIST_LAB_SETUP_TIMEOUT_S sets both (its tests use a second).
const limit = (seconds) => 1000 * Number(process.env.MNIST_LAB_SETUP_TIMEOUT_S ?? seconds);
const tail = (r) => `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
let updateOutput = '';
for (const [args, ms] of [
  [['apt-get', 'update', '-qq'], limit(240)],
  [[...install.slice(0, 2), '-qq', ...install.slice(2)], limit(900)],
]) {
  const command = [...prefix, ...args].join(' ');
  say(`running \`${command}\` (at most ${Math.round(ms / 1000)} s)`);
  const [cmd, ...rest] = [...prefix, ...args];
  const result = run(cmd, rest, { env, timeout: ms, killSignal: 'SIGKILL' });
  if (result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGKILL') {
    say(
      `\`${command}\` did not finish in ${Math.round(ms / 1000)} s (a mirror that does not answer?); stopped it. Its output so far:\n${tail(result) || '(none)'}`,
    );
    process.exit(1);
  }
  if (result.status !== 0) {
    say(`\`${command}\` failed (exit ${result.status}):\n${tail(result)}`);
    process.exit(1);
  }
  if (args[1] === 'update') updateOutput = tail(result);
}
// apt-get update exits 0 when a mirror cannot be reached: what counts is whether the packages are
// there now.
const still = names.filter((n) => {
  const q = run('dpkg-query', ['-W', format, n]);
  return !(q.stdout ?? '').includes(' install ok installed');
});
if (still.length > 0) {
  say(
    `apt-get did not install ${still.join(', ')}${updateOutput === '' ? '' : `; apt-get update said:\n${updateOutput}`}`,
  );
  process.exit(1);
}
