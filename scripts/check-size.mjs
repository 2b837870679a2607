#!/usr/bin/env node
// The size rule of docs/ARCHITECTURE.md: no source file over 300 lines and no function over 80
// (tests, e2e suites and generated files aside); and no `as never` in them (a cast that silences
// every type check: narrow the value, or type it). Prints the largest that remain; exits 1 past a
// limit. Run: node scripts/check-size.mjs [--top N]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;
const root = new URL('..', import.meta.url).pathname;
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 0;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', 'e2e', 'public'].includes(entry.name)) yield* sources(path);
    } else if (/\.(ts|mts|mjs)$/.test(entry.name) && !/\.(test|d)\.[mc]?[tj]s$/.test(entry.name))
      yield path;
  }
}

const roots = ['packages', 'apps'].flatMap((d) =>
  readdirSync(join(root, d)).map((p) => join(root, d, p, 'src')),
);
const files = [];
const functions = [];
const neverCasts = [];
for (const dir of [...roots, join(root, 'benchmarks'), join(root, 'scripts')]) {
  let paths;
  try {
    paths = [...sources(dir)];
  } catch {
    continue;
  }
  for (const path of paths) {
    const text = readFileSync(path, 'utf8');
    const file = relative(root, path);
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line;
    files.push({ file, lines: lineOf(text.length) + (text.endsWith('\n') ? 0 : 1) });
    const visit = (node, name) => {
      if (ts.isAsExpression(node) && node.type.kind === ts.SyntaxKind.NeverKeyword)
        neverCasts.push(`${file}:${lineOf(node.getStart(source)) + 1}`);
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const lines = lineOf(node.body.getEnd()) - lineOf(node.getStart(source)) + 1;
        const at = lineOf(node.getStart(source)) + 1;
        functions.push({
          file,
          at,
          name: node.name?.getText(source) ?? name ?? '(anonymous)',
          lines,
        });
      }
      const childName =
        ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)
          ? node.name.getText(source)
          : undefined;
      ts.forEachChild(node, (child) => visit(child, childName));
    };
    visit(source);
  }
}
files.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
const bigFiles = files.filter((f) => f.lines > MAX_FILE_LINES);
const bigFunctions = functions.filter((f) => f.lines > MAX_FUNCTION_LINES);
if (top > 0) {
  console.log(
    `largest files:\n${files
      .slice(0, top)
      .map((f) => `  ${f.lines} ${f.file}`)
      .join('\n')}`,
  );
  console.log(
    `largest functions:\n${functions
      .slice(0, top)
      .map((f) => `  ${f.lines} ${f.file}:${f.at} ${f.name}`)
      .join('\n')}`,
  );
}
for (const f of bigFiles) console.error(`${f.file}: ${f.lines} lines (at most ${MAX_FILE_LINES})`);
for (const f of bigFunctions)
  console.error(`${f.file}:${f.at}: ${f.name} is ${f.lines} lines (at most ${MAX_FUNCTION_LINES})`);
for (const at of neverCasts) console.error(`${at}: \`as never\` (narrow the value or type it)`);
if (bigFiles.length + bigFunctions.length + neverCasts.length > 0) process.exit(1);
console.log(
  `sizes: ${files.length} source files, none over ${MAX_FILE_LINES} lines; ${functions.length} functions, none over ${MAX_FUNCTION_LINES}; no \`as never\``,
);
