#!/usr/bin/env node
// The house rules of docs/ARCHITECTURE.md that a reader cannot see at a glance: the backends
// package in rooms of at most 12 source files; each kernel name written once (in
// @mnist-lab/contracts); one LEB128 encoder (in @mnist-lab/wasm); backends' main entry at most 25
// exports. Exits 1 naming each break. Run: node scripts/check-house.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const faults = [];

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', '.turbo'].includes(entry.name)) yield* walk(path);
    } else yield path;
  }
}

// Rooms: no folder of packages/backends/src with more than 12 source files (tests included).
const backends = join(root, 'packages/backends/src');
const perFolder = new Map();
for (const path of walk(backends)) {
  if (!/\.[mc]?ts$/.test(path)) continue;
  const dir = relative(root, join(path, '..'));
  perFolder.set(dir, (perFolder.get(dir) ?? 0) + 1);
}
for (const [dir, n] of perFolder) if (n > 12) faults.push(`${dir}: ${n} source files, at most 12`);

// Every product source under packages/*/src and apps/*/src, tests aside.
const sources = ['packages', 'apps'].flatMap((d) =>
  readdirSync(join(root, d)).flatMap((p) => {
    try {
      return [...walk(join(root, d, p, 'src'))].filter(
        (f) => /\.(ts|tsx|mts)$/.test(f) && !/\.test(-utils)?\.ts$|\.d\.ts$/.test(f),
      );
    } catch {
      return [];
    }
  }),
);
for (const name of ['MnistLabMlpSgdStep', 'MnistLabSgdMomentum']) {
  const at = sources.filter((f) => readFileSync(f, 'utf8').includes(`'${name}'`));
  if (at.length !== 1)
    faults.push(
      `'${name}' written in ${at.length} files (${at.map((f) => relative(root, f)).join(', ')}), once expected`,
    );
}
// LEB128: a 7-bit shift loop (`>>>= 7`, `>>= 7` or `>>= 7n`) only in packages/wasm.
for (const f of sources) {
  if (f.includes('/packages/wasm/')) continue;
  if (/>>>?=\s*7n?\b/.test(readFileSync(f, 'utf8')))
    faults.push(`${relative(root, f)}: a LEB128 encoder; use @mnist-lab/wasm's uleb/sleb`);
}

// backends' main entry: at most 25 exported names.
const entry = join(backends, 'index.ts');
const source = ts.createSourceFile(entry, readFileSync(entry, 'utf8'), ts.ScriptTarget.Latest);
let exported = 0;
for (const node of source.statements) {
  if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause))
    exported += node.exportClause.elements.length;
  else if (node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) exported += 1;
}
if (exported > 25)
  faults.push(`packages/backends/src/index.ts exports ${exported} names, at most 25`);

for (const fault of faults) console.error(`check-house: ${fault}`);
if (faults.length > 0) process.exit(1);
console.log(`check-house: backends in rooms, kernel names once, one LEB128, ${exported} exports`);
