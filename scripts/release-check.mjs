#!/usr/bin/env node
// A release as it would go today, without publishing: in a copy of the repository's tracked files
// (the working tree is left alone), `changeset version` applies the pending changesets (versions,
// changelogs, internal dependency ranges), then each library is checked as npm would publish it:
// `npm publish --dry-run`, publint (strict) on its tarball, and "are the types wrong" (attw, ESM-only
// profile: these packages are ESM) on its tarball. Needs the libraries built (npm run build).
// Run: npm run test:release
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checker, run } from './lib/checks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-release-'));
const copy = join(work, 'repo');
const { check, finish } = checker('release-check');

// The files a commit would hold (tracked, and new ones git does not ignore), plus each built dist.
const tracked = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
  .out.split('\0')
  .filter(Boolean);
for (const file of tracked) cpSync(join(root, file), join(copy, file), { recursive: true });
const libraries = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
);
for (const name of libraries) {
  cpSync(join(root, 'packages', name, 'dist'), join(copy, 'packages', name, 'dist'), {
    recursive: true,
  });
}
symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));

const versions = () =>
  Object.fromEntries(
    libraries.map((name) => [
      name,
      JSON.parse(readFileSync(join(copy, 'packages', name, 'package.json'), 'utf8')).version,
    ]),
  );
const before = versions();
const pending = readdirSync(join(copy, '.changeset')).filter(
  (f) => f.endsWith('.md') && f !== 'README.md',
).length;
const version = run(bin('changeset'), ['version'], copy);
const after = versions();
const bumped = libraries.filter((name) => before[name] !== after[name]);
check(
  version.code === 0 && (pending === 0 || bumped.length > 0),
  `changeset version applied ${pending} changesets: ${bumped.map((n) => `${n} ${before[n]} → ${after[n]}`).join(', ') || 'nothing to bump'}`,
  version.out,
);

for (const name of libraries) {
  const dir = join(copy, 'packages', name);
  const publish = run('npm', ['publish', '--dry-run', '--ignore-scripts'], dir);
  check(publish.code === 0, `${name}: npm publish --dry-run`, publish.out);
  const pack = run('npm', ['pack', '--silent', '--pack-destination', work], dir);
  const tarball = join(work, pack.out.trim().split('\n').at(-1));
  const publint = run(bin('publint'), ['run', '--strict', tarball], work);
  check(publint.code === 0, `${name}: publint --strict on the tarball`, publint.out);
  const attw = run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], work);
  check(attw.code === 0, `${name}: types resolve for node16 (ESM) and bundlers (attw)`, attw.out);
}

rmSync(work, { recursive: true, force: true });
finish();
