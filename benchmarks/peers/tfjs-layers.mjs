// A peer in bench:compare: the lesson's ReLU + dropout network as a TensorFlow.js user writes it,
// with tf.layers and tf.train.momentum on tfjs-backend-wasm, and none of mnist-lab's fixes (no
// OpenBLAS, no fused update, tfjs's own gradients). One epoch of model.fit (batch 32, shuffled),
// then model.evaluate on the test set. Prints one JSON line: trainSeconds, steps, testAccuracy
// (a fraction), maxRssMB. Run: node benchmarks/peers/tfjs-layers.mjs
import { loadMnist } from '@mnist-lab/data/node';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

await tf.setBackend('wasm');
await tf.ready();
// MNIST as float32 in [0, 1] and one-hot labels, as a tfjs tutorial loads it.
const { train, test } = await loadMnist();
const tensors = (split) =>
  tf.tidy(() => ({
    x: tf.tensor2d(
      Float32Array.from(split.images, (v) => v / 255),
      [split.count, 784],
    ),
    y: tf.oneHot(tf.tensor1d(Array.from(split.labels), 'int32'), 10),
  }));
const trainSet = tensors(train);
const testSet = tensors(test);

const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 256, activation: 'relu' }),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({
  optimizer: tf.train.momentum(0.01, 0.5),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
const start = performance.now();
await model.fit(trainSet.x, trainSet.y, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0 });
const trainSeconds = (performance.now() - start) / 1000;
const [, accuracy] = model.evaluate(testSet.x, testSet.y, { batchSize: 1000 });
const seconds = (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    trainSeconds,
    seconds,
    steps: Math.ceil(train.count / 32),
    testAccuracy: (await accuracy.data())[0],
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    backend: tf.getBackend(),
  }),
);
