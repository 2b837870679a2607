// Sums every workspace's Vitest JSON report into one closing line, `tests: N passed, N failed,
// N skipped`, names each skipped test (its title says why), counts a test file that failed outside
// its tests (a hook, an import) as a failure, and fails when a report is missing, a test failed, or
// nothing ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const workspaces = readJson(join(root, 'package.json')).workspaces.flatMap((pattern) => {
  const base = pattern.replace(/\/\*$/, '');
  return readdirSync(join(root, base))
    .map((name) => join(base, name))
    .filter((ws) => existsSync(join(root, ws, 'package.json')));
});

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const ws of workspaces) {
  if (!readJson(join(root, ws, 'package.json')).scripts?.test) continue;
  const report = join(root, ws, '.reports', 'vitest.json');
  if (!existsSync(report)) {
    missing.push(ws);
    continue;
  }
  const r = readJson(report);
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  const skippedHere = r.numPendingTests + r.numTodoTests;
  console.log(
    `${ws.padEnd(20)} ${r.numPassedTests} passed, ${r.numFailedTests} failed${skippedHere > 0 ? `, ${skippedHere} skipped` : ''}`,
  );
  for (const file of r.testResults) {
    // A file that failed outside its tests (a hook that timed out, an import that threw) leaves its
    // tests skipped: that is a failure, named here, never a skip.
    const ownFailures = file.assertionResults.filter((t) => t.status === 'failed').length;
    if (file.status === 'failed' && ownFailures === 0) {
      failed++;
      console.log(
        `  failed: ${file.name.replace(`${root}/`, '')}: ${String(file.message ?? '').split('\n')[0]}`,
      );
    }
    for (const t of file.assertionResults) {
      if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo')
        console.log(`  skipped: ${t.fullName}`);
    }
  }
}
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || missing.length > 0 || passed === 0) process.exitCode = 1;
