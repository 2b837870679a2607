import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Dropout } from './index';
import { describeBackends, expectNoLeak, values } from './test-utils';

describeBackends('Dropout', () => {
  it('drops a fraction p (within 5 standard errors) and scales the rest by 1/(1-p)', async () => {
    for (const p of [0.2, 0.5, 0.9]) {
      const n = 100_000;
      const drop = new Dropout(p, { rng: new Rng(11) });
      const x = tf.ones([n]);
      const y = drop.forward(x, { training: true });
      const got = await y.data();
      let zeros = 0;
      for (const v of got) {
        if (v === 0) zeros++;
        else expect(v).toBe(Math.fround(1 / (1 - p)));
      }
      expect(Math.abs(zeros / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      tf.dispose([x, y]);
    }
  });

  it('is the identity in evaluation and for p = 0', async () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = new Dropout(0.5).forward(x, { training: false });
    expect(await y.array()).toEqual(await x.array());
    const z = new Dropout(0).forward(x, { training: true });
    expect(await z.array()).toEqual(await x.array());
    tf.dispose([x, y, z]);
  });

  it('drops the same units for the same seed, and other units for another seed', async () => {
    const x = tf.ones([1000]);
    const run = async (seed: number) => {
      const y = new Dropout(0.5, { rng: new Rng(seed) }).forward(x, { training: true });
      const v = await values(y);
      y.dispose();
      return v;
    };
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(6));
    x.dispose();
  });

  it('passes the gradient through kept units only, scaled', async () => {
    const drop = new Dropout(0.5, { rng: new Rng(2) });
    const x = tf.ones([64]);
    const state = drop.rng.getState();
    const y = drop.forward(x, { training: true });
    drop.rng.setState(state);
    const g = tf.grad((input: tf.Tensor) => tf.sum(drop.forward(input, { training: true })))(x);
    expect(await values(g)).toEqual(await values(y));
    tf.dispose([x, y, g]);
  });

  it('leaks no tensors', async () => {
    const x = tf.ones([4, 8]);
    const drop = new Dropout(0.5);
    await expectNoLeak(async () => {
      drop.forward(x, { training: true }).dispose();
      drop.forward(x, { training: false }).dispose();
      tf.grad((input: tf.Tensor) => tf.sum(drop.forward(input, { training: true })))(x).dispose();
    });
    x.dispose();
  });

  it('rejects p outside [0, 1), naming it', async () => {
    expect(() => new Dropout(1)).toThrow('Dropout: p must be a probability in [0, 1), got 1');
    expect(() => new Dropout(-0.1)).toThrow('got -0.1');
  });
});
