// docs/RELIABILITY.md lists every hostile input and fault the suite tries, each with the test that
// checks it: this keeps that table current. A row whose test file is gone, or whose file no longer
// holds a test of that title, fails here.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${root}docs/RELIABILITY.md`, 'utf8');
const table = doc.slice(
  doc.indexOf('## Inputs and faults tried'),
  doc.indexOf('## How the README'),
);
const rows = table
  .split('\n')
  .filter(
    (line) =>
      line.startsWith('| ') && !line.startsWith('| input or fault') && !line.startsWith('| ---'),
  )
  .map((line) => line.split(' | ').at(-1)?.replace(/ \|$/, '').trim() ?? '');

describe('docs/RELIABILITY.md', () => {
  it('lists at least forty inputs and faults', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows)('names a test that exists: %s', (reference) => {
    const [file, title] = reference.includes(' › ')
      ? (reference.split(' › ') as [string, string])
      : [reference.replace(/ \(.*\)$/, ''), /\((.*)\)$/.exec(reference)?.[1] ?? ''];
    expect(existsSync(`${root}${file}`), file).toBe(true);
    const source = readFileSync(`${root}${file}`, 'utf8');
    expect(source.includes(title), `${file} has no test titled "${title}"`).toBe(true);
  });
});
