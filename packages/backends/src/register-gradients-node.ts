let registered: Promise<void> | undefined;

/**
 * Registers tfjs's gradient functions in a Node process, once.
 *
 * `@tensorflow/tfjs-core` alone has none in Node, and its `register_all_gradients` module cannot be
 * imported from Node ESM as published (extensionless imports inside). This package's build bundles
 * that module into `dist/tfjs-gradients.js` (`tsup.config.ts`), which registers them into core's global
 * registry (the one every copy of core shares), without the 142 MB `@tensorflow/tfjs` union.
 */
export function registerGradients(): Promise<void> {
  registered ??= import('./tfjs-gradients').then(() => undefined);
  return registered;
}
