// Fails when a changeset cannot be parsed (a formatter once turned front matter into a heading):
// reads every .changeset/*.md as `changeset version` would, and names the bad file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parse from '@changesets/parse';

const dir = fileURLToPath(new URL('../.changeset', import.meta.url));
let bad = 0;
let count = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.md') && n !== 'README.md')) {
  try {
    const { releases } = (parse.default ?? parse)(readFileSync(join(dir, name), 'utf8'));
    if (releases.length === 0) throw new Error('it names no package');
    count++;
  } catch (error) {
    bad++;
    console.error(`.changeset/${name}: not a valid changeset: ${error.message.split('\n')[0]}`);
  }
}
if (bad > 0) process.exit(1);
console.log(`changesets: ${count} valid`);
