#!/usr/bin/env node
// The docs' size rules (issue 36): README.md, BENCHMARKS.md and docs/ENVIRONMENT-NOTES.md stay
// short enough to read as reference, and no Markdown table row anywhere runs past 300 characters.
// Exits 1 naming each file and line past a limit. Run: node scripts/check-docs.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const MAX_LINES = { 'README.md': 150, 'BENCHMARKS.md': 200, 'docs/ENVIRONMENT-NOTES.md': 200 };
const MAX_ROW = 300;
const SKIP = new Set(['node_modules', 'dist', '.git', '.turbo', 'api', 'packs']);

function* markdown(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.name !== '.changeset') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) yield* markdown(path);
    } else if (entry.name.endsWith('.md') && entry.name !== 'CHANGELOG.md') yield path;
  }
}

const faults = [];
for (const [file, max] of Object.entries(MAX_LINES)) {
  const lines = readFileSync(join(root, file), 'utf8').trimEnd().split('\n').length;
  if (lines > max) faults.push(`${file}: ${lines} lines, at most ${max}`);
}
for (const path of markdown(root)) {
  const file = relative(root, path);
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/^\s*\|/.test(line) && line.length > MAX_ROW)
        faults.push(
          `${file}:${i + 1}: a table row of ${line.length} characters, at most ${MAX_ROW}`,
        );
    });
}
for (const fault of faults) console.error(`check-docs: ${fault}`);
if (faults.length > 0) process.exit(1);
console.log(
  'check-docs: README, BENCHMARKS and ENVIRONMENT-NOTES within their lines; no long table row',
);
