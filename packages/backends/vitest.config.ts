import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Core's gradient registrations as the Node build bundles them (dist/tfjs-gradients.js, built
  // before the tests run): Node cannot import core's own module, and transforming its ~300 files
  // through Vite for every test file is slow.
  resolve: {
    alias: {
      '@tensorflow/tfjs-core/dist/register_all_gradients': fileURLToPath(
        new URL('./dist/tfjs-gradients.js', import.meta.url),
      ),
    },
  },
  test: {
    setupFiles: ['../../tooling/vitest-swiftshader.ts', '../../tooling/vitest-allclose.ts'],
  },
});
