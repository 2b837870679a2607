import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tooling/tsup.config.base';

export default defineConfig(
  libraryConfig({
    entry: ['src/cli.ts'],
    platform: 'node',
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
  }),
);
