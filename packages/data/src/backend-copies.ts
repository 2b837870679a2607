import * as tf from '@tensorflow/tfjs-core';

const known = new WeakMap<tf.KernelBackend, boolean>();

/**
 * Whether the active backend copies an array's values when a tensor is made from it, so that the
 * array may be refilled at once: tfjs-backend-wasm copies them into its heap; cpu keeps the array,
 * webgl and webgpu upload it later. Found by trying it once per backend (a one-element tensor, its
 * array changed, its value read back), not from the backend's name.
 */
export function backendCopiesValues(): boolean {
  const backend = tf.backend();
  let copies = known.get(backend);
  if (copies === undefined) {
    const values = new Float32Array([1]);
    const t = tf.tensor1d(values, 'float32');
    values[0] = 2;
    copies = t.dataSync()[0] === 1;
    t.dispose();
    known.set(backend, copies);
  }
  return copies;
}
