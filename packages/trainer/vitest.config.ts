import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { setupFiles: ['../../tooling/vitest-swiftshader.ts', '../../tooling/vitest-allclose.ts'] },
});
