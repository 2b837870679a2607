#!/usr/bin/env node
// The `mnist-lab` command. A committed file, so that `npm ci` links it into node_modules/.bin (npm
// links no bin whose file is missing, and dist/ exists only after a build); it runs the build.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'mnist-lab: not built yet; run `npm run build` (or `npm start`) in the repository first\n',
  );
  process.exit(1);
}
await import(cli.href);
