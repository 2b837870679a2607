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
  // Every package installed but chromium and libvulkan1.
  await tool(
    'dpkg-query',
    `for p in "$@"; do case "$p" in -*) ;; chromium|libvulkan1) echo "$p deinstall ok config-files";; *) echo "$p install ok installed";; esac; done`,
  );
  await tool('apt-get', `echo "$@" >> "${bin}/apt.log"`);
  await tool('sudo', 'exit 1');
});
afterAll(() => rm(bin, { recursive: true, force: true }));

const setup = (args: string[], path = bin) =>
  spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    env: { PATH: path, HOME: bin },
  });

describe('scripts/setup.mjs', () => {
  it('with --check, names what is missing and the command that installs it, and exits 1', () => {
    const r = setup(['--check']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'setup: missing Debian packages: chromium, libvulkan1. Install them with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium libvulkan1\n',
    );
  });

  it.runIf(process.getuid?.() === 0)(
    'as root, installs exactly what is missing with apt-get (skipped when not run as root)',
    async () => {
      const r = setup([]);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('setup: installing chromium, libvulkan1 (apt-get)\n');
      expect(await readFile(join(bin, 'apt.log'), 'utf8')).toBe(
        'update -qq\ninstall -qq -y --no-install-recommends chromium libvulkan1\n',
      );
    },
  );

  it('away from Debian, says what the tests need and how to go on', () => {
    const r = setup([], join(bin, 'nowhere'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^setup: this is not a Debian system \(no dpkg-query\); the tests need: dataset-fashion-mnist \(.*\); chromium \(.*\).*MNIST_LAB_SKIP_SETUP=1/,
    );
  });
});
