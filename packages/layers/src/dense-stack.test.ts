import { STEP_ACTIVATIONS } from '@mnist-lab/contracts';
import type { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { ACTIVATION_NAMES, Activation, dropoutMask, Linear, Mlp, Sequential } from './index';
import { describeBackends } from './test-utils';

describeBackends('Mlp.denseStack: the network as a fused training step sees it', () => {
  it('lists every Linear and, with batch norm, each hidden layer’s norm with its live variables and constants', () => {
    const model = new Mlp({ inputSize: 6, hidden: [5, 4], numClasses: 3, batchNorm: true });
    const stack = model.denseStack();
    const state = model.stateDict();
    expect(stack?.activation).toBe('relu');
    expect(stack?.layers.map((l) => l.weight.shape)).toEqual([
      [5, 6],
      [4, 5],
      [3, 4],
    ]);
    expect(stack?.layers[1]?.bias).toBe(state['fc2.bias']);
    expect(stack?.norms.map((n) => [n.weight.shape, n.eps, n.momentum])).toEqual([
      [[5], 1e-5, 0.1],
      [[4], 1e-5, 0.1],
    ]);
    const [first] = stack?.norms ?? [];
    expect(first?.weight).toBe(state['batch_norm1.weight']);
    expect(first?.bias).toBe(state['batch_norm1.bias']);
    expect(first?.runningMean).toBe(state['batch_norm1.running_mean']);
    expect(first?.runningVar).toBe(state['batch_norm1.running_var']);
    expect(first?.numBatchesTracked).toBe(state['batch_norm1.num_batches_tracked']);
    expect(
      new Mlp({ inputSize: 6, hidden: [5], activation: 'sigmoid' }).denseStack()?.norms,
    ).toEqual([]);
    model.dispose();
  });

  it('is undefined for every activation a fused step does not compute, and for other modules', () => {
    const fused: readonly string[] = STEP_ACTIVATIONS;
    for (const activation of ACTIVATION_NAMES) {
      const model = new Mlp({ inputSize: 6, hidden: [5], activation });
      expect(model.denseStack() !== undefined, activation).toBe(fused.includes(activation));
      model.dispose();
    }
    // A network of any other modules (a new layer among them) keeps to tfjs's ops.
    const other = new Sequential([new Linear(6, 5), new Activation('relu'), new Linear(5, 3)]);
    expect(other.denseStack()).toBeUndefined();
    other.dispose();
  });

  it('draws the masks dropout draws, leaving the generator where a training forward leaves it', () => {
    const config = { inputSize: 6, hidden: [5, 4], numClasses: 3, dropout: 0.3, seed: 9 };
    const [stacked, byHand, forwarded] = [new Mlp(config), new Mlp(config), new Mlp(config)];
    const masks = stacked.denseStack()?.drawMasks(2) ?? [];
    const rng = (m: Mlp) => m.namedGenerators()[0]?.[1] as Rng;
    expect(masks).toEqual([dropoutMask(10, 0.3, rng(byHand)), dropoutMask(8, 0.3, rng(byHand))]);
    tf.tidy(() => forwarded.forward(tf.ones([2, 6]), { training: true }));
    expect(rng(stacked).getState()).toEqual(rng(forwarded).getState());
    for (const m of [stacked, byHand, forwarded]) m.dispose();
  });

  it('draws the words behind those masks instead, by the same generator calls, and says the rule', () => {
    const config = { inputSize: 6, hidden: [5, 4], numClasses: 3, dropout: 0.3, seed: 9 };
    const [withBits, withMasks] = [new Mlp(config), new Mlp(config)];
    const stack = withBits.denseStack();
    const bits = stack?.drawMaskBits(3) ?? [];
    const masks = withMasks.denseStack()?.drawMasks(3) ?? [];
    expect(stack?.dropout).toBe(0.3);
    expect(bits.map((b) => b.length)).toEqual([15, 12]);
    // The documented rule makes each mask from its words.
    const threshold = Math.round(0.3 * 2 ** 32);
    const keep = Math.fround(1 / 0.7);
    expect(bits.map((b) => Array.from(b, (w) => (w >= threshold ? keep : 0)))).toEqual(
      masks.map((m) => Array.from(m)),
    );
    const rng = (m: Mlp) => m.namedGenerators()[0]?.[1] as Rng;
    expect(rng(withBits).getState()).toEqual(rng(withMasks).getState());
    const plain = new Mlp({ inputSize: 6, hidden: [5], dropout: 0 });
    expect([plain.denseStack()?.dropout, plain.denseStack()?.drawMaskBits(2)]).toEqual([0, []]);
    for (const m of [withBits, withMasks, plain]) m.dispose();
  });

  it('fills the arrays it is given with the same words, and names a misfit before drawing any', () => {
    const config = { inputSize: 6, hidden: [5, 4], numClasses: 3, dropout: 0.3, seed: 9 };
    const [reused, fresh] = [new Mlp(config), new Mlp(config)];
    const stack = reused.denseStack();
    const into = [new Uint32Array(15), new Uint32Array(12)];
    for (let i = 0; i < 2; i++) {
      const filled = stack?.drawMaskBits(3, into) ?? [];
      expect(filled[0]).toBe(into[0]);
      expect(filled[1]).toBe(into[1]);
      expect(filled.map((a) => Array.from(a))).toEqual(
        fresh
          .denseStack()
          ?.drawMaskBits(3)
          .map((a) => Array.from(a)),
      );
    }
    const rng = (m: Mlp) => m.namedGenerators()[0]?.[1] as Rng;
    const before = rng(reused).getState();
    for (const bad of [[new Uint32Array(15)], [new Uint32Array(15), new Uint32Array(8)]]) {
      expect(() => stack?.drawMaskBits(3, bad)).toThrow(
        'drawMaskBits: into must hold one Uint32Array per hidden layer of 15, 12 words (batch 3 × its width)',
      );
    }
    expect(rng(reused).getState()).toEqual(before);
    for (const m of [reused, fresh]) m.dispose();
  });
});
