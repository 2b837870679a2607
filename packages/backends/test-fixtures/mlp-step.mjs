// Two SGD-momentum training steps of the lesson's 784-512-256-10 ReLU network with fixed dropout
// masks, written with plain tfjs-core ops, on the backend named by argv[2]; prints the loss of each
// step and the final parameters as JSON. Used to compare webgpu (SwiftShader) with cpu.
import { initBackend } from '@mnist-lab/backends';
import * as tf from '@tensorflow/tfjs-core';

const report = await initBackend({ prefer: process.argv[2] });
const sizes = [784, 512, 256, 10];
const params = [];
for (let i = 0; i < 3; i++) {
  const bound = 1 / Math.sqrt(sizes[i]);
  params.push(
    tf.variable(tf.randomUniform([sizes[i + 1], sizes[i]], -bound, bound, 'float32', 10 + i)),
  );
  params.push(tf.variable(tf.randomUniform([sizes[i + 1]], -bound, bound, 'float32', 20 + i)));
}
const x = tf.randomUniform([32, 784], 0, 1, 'float32', 1);
const labels = tf.tensor1d(
  Array.from({ length: 32 }, (_, i) => (i * 7) % 10),
  'int32',
);
const masks = [512, 256].map((n, i) =>
  tf.mul(
    tf.cast(tf.greater(tf.randomUniform([32, n], 0, 1, 'float32', 30 + i), 0.5), 'float32'),
    2,
  ),
);
const optimizer = tf.train.momentum(0.01, 0.5);
const losses = [];
for (let step = 0; step < 2; step++) {
  const loss = optimizer.minimize(() => {
    let h = x;
    for (let i = 0; i < 3; i++) {
      h = tf.add(tf.matMul(h, params[2 * i], false, true), params[2 * i + 1]);
      if (i < 2) h = tf.mul(tf.relu(h), masks[i]);
    }
    const logp = tf.logSoftmax(tf.logSoftmax(h));
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(labels, 10)), 1)));
  }, true);
  losses.push((await loss.data())[0]);
  loss.dispose();
}
const values = [];
for (const p of params) values.push(Array.from(await p.data()));
process.stdout.write(`${JSON.stringify({ report, losses, params: values })}\n`, () =>
  process.exit(0),
);
