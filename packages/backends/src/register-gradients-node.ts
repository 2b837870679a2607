let registered: Promise<void> | undefined;

/**
 * Registers tfjs's gradient functions in a Node process, once.
 *
 * `@tensorflow/tfjs-core` alone has none in Node, and its `register_all_gradients` module cannot be
 * imported from Node ESM (extensionless imports inside). The union package `@tensorflow/tfjs`
 * registers them into core's global registry on import, as tfjs-node itself relies on; it resolves
 * to the same single copy of core (npm dedupes the exact 4.22.0 pin).
 */
export function registerGradients(): Promise<void> {
  registered ??= import('@tensorflow/tfjs').then(() => undefined);
  return registered;
}
