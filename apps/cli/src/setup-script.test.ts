// scripts/setup.mjs: what `npm test` runs first on a fresh machine. Tested with stand-ins for
// dpkg-query, apt-get and sudo on PATH, so that nothing is installed here.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/setup.mjs', import.meta.url));
let bin: string;

const tool = (name: string, body: string) =>
  writeFile(join(bin, name), `#!/bin/sh\n${body}\n`).then(() => chmod(join(bin, name), 0o755));

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'mnist-lab-setup-'));
  // Every package installed but chromium and libvulkan1, until the stand-in apt-get installs them.
  await tool(
    'dpkg-query',
    `for p in "$@"; do case "$p" in -*) ;; chromium|libvulkan1) if grep -qx "$p" "${bin}/installed" 2>/dev/null; then echo "$p install ok installed"; else echo "$p deinstall ok config-files"; fi;; *) echo "$p install ok installed";; esac; done`,
  );
  // APT_MODE: ok (installs), hang (never answers), unreachable (update warns, nothing installs).
  await tool(
    'apt-get',
    [
      `echo "$@" >> "${bin}/apt.log"`,
      'case "$APT_MODE" in',
      '  hang) sleep 30;;',
      `  unreachable) [ "$1" = update ] && echo "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'";;`,
      `  *) [ "$1" = install ] && for p in "$@"; do echo "$p" >> "${bin}/installed"; done;;`,
      'esac',
      'exit 0',
    ].join('\n'),
  );
  await tool('sudo', 'exit 1');
});
afterAll(() => rm(bin, { recursive: true, force: true }));

const setup = (args: string[], path = bin, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    // The stand-ins first; the system's tools (sleep, grep) after them, but not away from Debian.
    env: { PATH: path === bin ? `${bin}:/bin:/usr/bin` : path, HOME: bin, ...env },
  });
const fresh = () => rm(join(bin, 'installed'), { force: true });

describe('scripts/setup.mjs', () => {
  it('with --check, names what is missing and the command that installs it, and exits 1', () => {
    const r = setup(['--check']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'setup: missing Debian packages: chromium, libvulkan1. Install them with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium libvulkan1\n',
    );
  });

  const asRoot = process.getuid?.() === 0;
  it.runIf(asRoot)(
    'as root, installs exactly what is missing with apt-get, saying what it runs and for how long at most (skipped when not run as root)',
    async () => {
      await fresh();
      await rm(join(bin, 'apt.log'), { force: true });
      const r = setup([]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe(
        [
          'setup: installing chromium, libvulkan1 (apt-get)',
          'setup: running `apt-get update -qq` (at most 240 s)',
          'setup: running `apt-get install -qq -y --no-install-recommends chromium libvulkan1` (at most 900 s)',
          '',
        ].join('\n'),
      );
      expect(await readFile(join(bin, 'apt.log'), 'utf8')).toBe(
        'update -qq\ninstall -qq -y --no-install-recommends chromium libvulkan1\n',
      );
    },
  );

  it.runIf(asRoot)(
    'stops an apt-get that never answers at its time limit, saying so (exit 1; skipped when not run as root)',
    async () => {
      await fresh();
      const started = Date.now();
      const r = setup([], bin, { APT_MODE: 'hang', MNIST_LAB_SETUP_TIMEOUT_S: '1' });
      expect(r.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.stderr).toContain(
        'setup: `apt-get update -qq` did not finish in 1 s (a mirror that does not answer?); stopped it.',
      );
    },
  );

  it.runIf(asRoot)(
    "fails, with apt-get update's words, where a mirror could not be reached and nothing was installed (skipped when not run as root)",
    async () => {
      await fresh();
      const r = setup([], bin, { APT_MODE: 'unreachable' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'setup: apt-get did not install chromium, libvulkan1; apt-get update said:',
      );
      expect(r.stderr).toContain("Could not resolve 'deb.debian.org'");
    },
  );

  it.skipIf(asRoot)(
    'installs with apt-get only as root or with sudo [skipped: run as root here]',
    () => {},
  );

  it('away from Debian, says what the tests need and how to go on', () => {
    const r = setup([], join(bin, 'nowhere'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^setup: this is not a Debian system \(no dpkg-query\); the tests need: dataset-fashion-mnist \(.*\); chromium \(.*\).*MNIST_LAB_SKIP_SETUP=1/,
    );
  });
});
