// A peer in bench:compare: the lesson's ReLU + dropout network as a jax-js user writes it
// (@jax-js/jax on its wasm device in Node): parameters as a tree, PyTorch's default uniform init,
// the loss differentiated with valueAndGrad and the whole step compiled with jit. @jax-js/optax,
// jax-js's optimizer package, is not on the npm registry, so SGD with momentum is written by hand
// as PyTorch defines it (v = 0.5·v + g; p = p − 0.01·v); dropout draws its mask with
// random.bernoulli, as jax-js has no dropout layer. Trains one epoch of real shuffled MNIST batches
// of 32 (--steps N for fewer), after 5 untimed steps (compilation), waiting for each step's results
// as jax-js's docs ask, then scores the test set. Prints one JSON line: trainSeconds, seconds,
// steps, testAccuracy (a fraction), maxRssMB.
// Run: node benchmarks/peers/jax-js.mjs [--steps N]
import {
  blockUntilReady,
  defaultDevice,
  init,
  jit,
  nn,
  numpy as np,
  random,
  tree,
  valueAndGrad,
} from '@jax-js/jax';
import { loadMnist } from '@mnist-lab/data/node';

const args = process.argv.slice(2);
const stepsFlag = args.indexOf('--steps');
const steps = stepsFlag >= 0 ? Number(args[stepsFlag + 1]) : 1875;
const B = 32;
// Node 20 has no `navigator`, which jax-js's default init reads to look for WebGPU: ask for wasm.
await init('wasm');
defaultDevice('wasm');

function layer(k, fanIn, fanOut) {
  const [kw, kb] = random.split(k, 2);
  const bound = 1 / Math.sqrt(fanIn);
  return {
    w: random.uniform(kw, [fanIn, fanOut], { minval: -bound, maxval: bound }),
    b: random.uniform(kb, [fanOut], { minval: -bound, maxval: bound }),
  };
}
const [k1, k2, k3, kDropout] = random.split(random.key(1), 4);
let params = { l1: layer(k1, 784, 512), l2: layer(k2, 512, 256), l3: layer(k3, 256, 10) };
let velocity = tree.map((p) => np.zerosLike(p), tree.ref(params));

const dropout = (k, h, shape) => h.mul(random.bernoulli(k, 0.5, shape).astype(np.float32)).mul(2);
function loss(p, x, y, k) {
  const [ka, kb] = random.split(k, 2);
  let h = nn.relu(np.matmul(x, p.l1.w).add(p.l1.b));
  h = dropout(ka, h, [B, 512]);
  h = nn.relu(np.matmul(h, p.l2.w).add(p.l2.b));
  h = dropout(kb, h, [B, 256]);
  const logp = nn.logSoftmax(np.matmul(h, p.l3.w).add(p.l3.b));
  return logp.mul(y).sum(1).mean().neg();
}
const step = jit((p, v, x, y, k) => {
  const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, y, k);
  const v2 = tree.map((vi, gi) => vi.mul(0.5).add(gi), v, grads);
  const p2 = tree.map((pi, vi) => pi.sub(vi.mul(0.01)), p, tree.ref(v2));
  return [p2, v2, value];
});

const { train, test } = await loadMnist();
const order = Array.from({ length: train.count }, (_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
function batch(s) {
  const x = new Float32Array(B * 784);
  const y = new Float32Array(B * 10);
  for (let r = 0; r < B; r++) {
    const n = order[(s * B + r) % order.length];
    for (let c = 0; c < 784; c++) x[r * 784 + c] = train.images[n * 784 + c] / 255;
    y[r * 10 + train.labels[n]] = 1;
  }
  return [np.array(x).reshape([B, 784]), np.array(y).reshape([B, 10])];
}

let key = kDropout;
let value;
let start = 0;
const warmup = 5;
for (let s = 0; s < warmup + steps; s++) {
  if (s === warmup) {
    await value.ref.data();
    start = performance.now();
  }
  const [next, stepKey] = random.split(key, 2);
  key = next;
  value?.dispose();
  const [x, y] = batch(s);
  [params, velocity, value] = step(params, velocity, x, y, stepKey);
  // jax-js is lazy: its docs ask iterative code to wait for results regularly, else pending work
  // (here the chain of split keys) piles up and every step gets slower.
  await blockUntilReady({ params, velocity, key });
}
const lastLoss = (await value.data())[0];
const trainSeconds = (performance.now() - start) / 1000;

// The test set in batches of 1000, dropout off.
const predict = jit((p, x) => {
  const h1 = nn.relu(np.matmul(x, p.l1.w).add(p.l1.b));
  const h2 = nn.relu(np.matmul(h1, p.l2.w).add(p.l2.b));
  return np.argmax(np.matmul(h2, p.l3.w).add(p.l3.b), 1);
});
let correct = 0;
for (let first = 0; first < test.count; first += 1000) {
  const n = Math.min(1000, test.count - first);
  const x = Float32Array.from(test.images.subarray(first * 784, (first + n) * 784), (v) => v / 255);
  const predicted = await predict(tree.ref(params), np.array(x).reshape([n, 784])).data();
  for (let i = 0; i < n; i++) if (predicted[i] === test.labels[first + i]) correct++;
}
console.log(
  JSON.stringify({
    trainSeconds,
    seconds: (performance.now() - start) / 1000,
    steps,
    lastLoss,
    testAccuracy: correct / test.count,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    device: 'wasm',
  }),
);
