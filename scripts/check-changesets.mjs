// Fails when a changeset cannot be parsed (a formatter once turned front matter into a heading),
// or names packages that config.json ignores (the apps) beside others, which `changeset version`
// refuses ("mixed changesets"): reads every .changeset/*.md as it would, and names the bad file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parse from '@changesets/parse';

const dir = fileURLToPath(new URL('../.changeset', import.meta.url));
const ignored = new Set(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).ignore ?? []);
let bad = 0;
let count = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.md') && n !== 'README.md')) {
  try {
    const { releases } = (parse.default ?? parse)(readFileSync(join(dir, name), 'utf8'));
    if (releases.length === 0) throw new Error('it names no package');
    const skipped = releases.filter((r) => ignored.has(r.name)).map((r) => r.name);
    if (skipped.length > 0 && skipped.length < releases.length)
      throw new Error(
        `it names ${skipped.join(', ')} (ignored in config.json: not versioned) beside other packages; changeset version refuses such mixed changesets: leave the ignored ones out`,
      );
    count++;
  } catch (error) {
    bad++;
    console.error(`.changeset/${name}: not a valid changeset: ${error.message.split('\n')[0]}`);
  }
}
if (bad > 0) process.exit(1);
console.log(`changesets: ${count} valid`);
