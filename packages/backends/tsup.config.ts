import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tooling/tsup.config.base';

export default defineConfig(
  libraryConfig({
    entry: {
      index: 'src/index.ts',
      browser: 'src/browser.ts',
      internal: 'src/internal.ts',
      // The OpenBLAS kernel timing's child process (`openblas/kernel.ts` runs it from dist).
      'openblas-calibrate': 'src/openblas/calibrate.ts',
      'tfjs-gradients': 'src/tfjs-gradients.ts',
    },
    // tfjs-core's gradient registrations, bundled into dist/tfjs-gradients.js for Node, which cannot
    // import the published module (extensionless imports inside). Only this exact specifier: the
    // browser entry imports it with `.js`, so that bundlers share the app's copy of core.
    noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/],
  }),
);
