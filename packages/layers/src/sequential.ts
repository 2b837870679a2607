import type * as tf from '@tensorflow/tfjs-core';
import { type ForwardOptions, Module } from './module';

/**
 * Modules applied in order, PyTorch's `nn.Sequential`: children are named `'0'`, `'1'`, ... or by
 * the names given as `[name, module]` pairs.
 *
 * @example new Sequential([new Linear(784, 10), new Activation('relu')])
 */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(layers: readonly (Module | readonly [string, Module])[]) {
    super();
    this.layers = layers.map((entry, i) => {
      const [name, module] = entry instanceof Module ? [String(i), entry] : entry;
      return this.registerModule(name, module);
    });
  }

  forward(x: tf.Tensor, options: ForwardOptions): tf.Tensor {
    let out = x;
    for (const layer of this.layers) {
      const next = layer.forward(out, options);
      if (out !== x) out.dispose();
      out = next;
    }
    return out;
  }
}
