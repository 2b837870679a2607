import { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Activation, Dropout, Linear, Sequential } from './index';
import { describeBackends, expectAllClose, expectNoLeak, values } from './test-utils';

describeBackends('Sequential', () => {
  it('chains its modules and names their state like nn.Sequential', async () => {
    const fc = new Linear(3, 2, { rng: new Rng(1) });
    const model = new Sequential([fc, new Activation('relu'), new Dropout(0.5)]);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias']);
    const named = new Sequential([['encoder', new Linear(3, 2)]]);
    expect(Object.keys(named.stateDict())).toEqual(['encoder.weight', 'encoder.bias']);
    const x = tf.tensor2d([[1, -2, 3]]);
    await expectNoLeak(async () => {
      const y = model.forward(x, { training: false });
      const expected = tf.tidy(() => tf.relu(fc.forward(x)));
      await expectAllClose(y, await values(expected));
      tf.dispose([y, expected]);
    });
    x.dispose();
    model.dispose();
    named.dispose();
  });
});
