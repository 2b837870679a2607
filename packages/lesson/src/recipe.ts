/**
 * How the lesson trains every network: SGD with learning rate 0.01 and momentum 0.5 on batches of
 * 32, for 10 epochs, testing after each. Written once here; the CLI, the web lab and the benchmarks
 * take their defaults from it.
 */
export const LESSON_RECIPE = {
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.5,
  batchSize: 32,
  epochs: 10,
  /** The seed runs start from (seeds 1..N in `compare`). */
  seed: 1,
  /** The network's widths: 28×28 inputs, two hidden layers, ten classes. */
  inputSize: 784,
  hidden: [512, 256],
  numClasses: 10,
} as const;
