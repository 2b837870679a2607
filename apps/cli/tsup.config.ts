import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tooling/tsup.config.base';

export default defineConfig(
  libraryConfig({
    // folder-lock: also for the lock race test's child processes (test-fixtures/lock-child.mjs).
    entry: ['src/cli.ts', 'src/folder-lock.ts'],
    platform: 'node',
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
  }),
);
