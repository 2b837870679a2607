import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Dropout } from './index';
import { describeBackends, expectNoLeak } from './test-utils';

describeBackends('Dropout', () => {
  it('drops a fraction p (within 5 standard errors) and scales the rest by 1/(1-p)', () => {
    for (const p of [0.2, 0.5, 0.9]) {
      const n = 100_000;
      const drop = new Dropout(p, { rng: new Rng(11) });
      const x = tf.ones([n]);
      const y = drop.forward(x, { training: true });
      const values = y.dataSync();
      let zeros = 0;
      for (const v of values) {
        if (v === 0) zeros++;
        else expect(v).toBe(Math.fround(1 / (1 - p)));
      }
      expect(Math.abs(zeros / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      tf.dispose([x, y]);
    }
  });

  it('is the identity in evaluation and for p = 0', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = new Dropout(0.5).forward(x, { training: false });
    expect(y.arraySync()).toEqual(x.arraySync());
    const z = new Dropout(0).forward(x, { training: true });
    expect(z.arraySync()).toEqual(x.arraySync());
    tf.dispose([x, y, z]);
  });

  it('drops the same units for the same seed, and other units for another seed', () => {
    const x = tf.ones([1000]);
    const run = (seed: number) => {
      const y = new Dropout(0.5, { rng: new Rng(seed) }).forward(x, { training: true });
      const v = Array.from(y.dataSync());
      y.dispose();
      return v;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    x.dispose();
  });

  it('passes the gradient through kept units only, scaled', () => {
    const drop = new Dropout(0.5, { rng: new Rng(2) });
    const x = tf.ones([64]);
    const state = drop.rng.getState();
    const y = drop.forward(x, { training: true });
    drop.rng.setState(state);
    const g = tf.grad((input: tf.Tensor) => tf.sum(drop.forward(input, { training: true })))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, y, g]);
  });

  it('leaks no tensors', () => {
    const x = tf.ones([4, 8]);
    const drop = new Dropout(0.5);
    expectNoLeak(() => {
      drop.forward(x, { training: true }).dispose();
      drop.forward(x, { training: false }).dispose();
      tf.grad((input: tf.Tensor) => tf.sum(drop.forward(input, { training: true })))(x).dispose();
    });
    x.dispose();
  });

  it('rejects p outside [0, 1), naming it', () => {
    expect(() => new Dropout(1)).toThrow('Dropout: p must be a probability in [0, 1), got 1');
    expect(() => new Dropout(-0.1)).toThrow('got -0.1');
  });
});
