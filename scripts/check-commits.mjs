#!/usr/bin/env node
// The commit habit of docs/ARCHITECTURE.md: a subject of at most 72 characters, the detail in the
// body. Checks every commit after BASE (the last one before the rule was kept), or the range given:
// node scripts/check-commits.mjs [A..B]. Outside a git checkout, or in a shallow clone without
// BASE, it says so and passes: there is nothing to check there.
import { spawnSync } from 'node:child_process';

const MAX_SUBJECT = 72;
const BASE = '76b060e';
const git = (...args) => spawnSync('git', args, { encoding: 'utf8' });

const range = process.argv[2] ?? `${BASE}..HEAD`;
const from = range.split('..')[0];
if (git('rev-parse', '--is-inside-work-tree').status !== 0) {
  console.log('commits: not a git checkout; nothing to check');
  process.exit(0);
}
if (git('cat-file', '-e', `${from}^{commit}`).status !== 0) {
  console.log(`commits: ${from} is not in this clone (shallow?); nothing to check`);
  process.exit(0);
}
const log = git('log', '--format=%h%x09%s', range);
if (log.status !== 0) {
  console.error(`commits: git log ${range} failed: ${log.stderr.trim()}`);
  process.exit(1);
}
const commits = log.stdout.split('\n').filter((line) => line !== '');
const long = commits
  .map((line) => line.split('\t'))
  .filter(([, subject]) => [...(subject ?? '')].length > MAX_SUBJECT);
for (const [hash, subject] of long)
  console.error(
    `${hash}: subject of ${[...subject].length} characters (at most ${MAX_SUBJECT}): ${subject}`,
  );
if (long.length > 0) process.exit(1);
console.log(
  `commits: ${commits.length} since ${from}, every subject at most ${MAX_SUBJECT} characters`,
);
