#!/usr/bin/env node
// The seven libraries as tarballs, for a project that installs them before a release is on the
// npm registry: `npm run pack:libs [-- DIR]` builds them (turbo) and packs each into DIR
// (default `packs/`, emptied of older tarballs first), then prints the line that installs them.
// test:install (scripts/fresh-install.mjs) installs from the same packs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Every published library: the five an embedder imports, and the two they depend on. */
export const LIBRARIES = [
  'errors',
  'contracts',
  'wasm',
  'random',
  'data',
  'layers',
  'lesson',
  'trainer',
  'backends',
];

/** Packs every library into `dir` (made if missing; older `@mnist-lab` tarballs removed); their paths. */
export function packLibraries(dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir))
    if (/^mnist-lab-.*\.tgz$/.test(f)) rmSync(join(dir, f), { force: true });
  return LIBRARIES.map((name) => {
    const out = execFileSync(
      'npm',
      ['pack', '--silent', '--pack-destination', dir, '-w', `packages/${name}`],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return join(dir, out.trim().split('\n').at(-1));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? join(root, 'packs'));
  execFileSync(
    'npx',
    ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    },
  );
  const tarballs = packLibraries(dir);
  const shown = relative(process.cwd(), dir) || '.';
  console.log(`packed ${tarballs.length} libraries into ${shown}/:`);
  for (const t of tarballs) console.log(`  ${relative(dir, t)}`);
  console.log(
    `install them in your project with:\n  npm install ${resolve(dir)}/*.tgz @tensorflow/tfjs-core@4.22.0`,
  );
}
