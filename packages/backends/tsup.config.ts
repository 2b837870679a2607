import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tooling/tsup.config.base';

export default defineConfig(
  libraryConfig({
    entry: ['src/index.ts', 'src/browser.ts', 'src/openblas-calibrate.ts', 'src/tfjs-gradients.ts'],
    // tfjs-core's gradient registrations, bundled into dist/tfjs-gradients.js for Node, which cannot
    // import the published module (extensionless imports inside). Only this exact specifier: the
    // browser entry imports it with `.js`, so that bundlers share the app's copy of core.
    noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/],
  }),
);
