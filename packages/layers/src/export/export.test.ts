// Every activation, with and without batch norm: the exported models, run by the real runtimes
// (tfjs-layers' loadLayersModel and ONNX Runtime's WebAssembly build, onnxruntime-web, here in Node), give mnist-lab's own eval-mode outputs
// (log-probabilities) within 2e-6; SERLU to tfjs is refused, saying why.
import { initBackend } from '@mnist-lab/backends';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES } from '../activations';
import { Mlp } from '../mlp';
import { toOnnx } from './onnx-model';
import { toTfjsLayersModel } from './tfjs-layers-model';

// ONNX Runtime on one thread: its default pool takes every core from the tests beside it.
const ONE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };
ort.env.wasm.numThreads = 1;
const TOLERANCE = 2e-6;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

/** A small network whose batch-norm statistics have moved away from their initial 0 and 1. */
function trainedLooking(activation: (typeof ACTIVATION_NAMES)[number], batchNorm: boolean): Mlp {
  const model = new Mlp({ activation, batchNorm, hidden: [48, 24], seed: 3 });
  if (batchNorm) {
    const x = tf.randomNormal([128, 784], 0.5, 1, 'float32', 1);
    for (let i = 0; i < 4; i++) tf.dispose(model.forward(x, { training: true }));
    x.dispose();
  }
  return model;
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe.each(ACTIVATION_NAMES.flatMap((a) => [[a, false] as const, [a, true] as const]))(
  'export of a %s network (batch norm: %s)',
  (activation, batchNorm) => {
    it('runs in ONNX Runtime and in tfjs-layers with mnist-lab outputs', async () => {
      const model = trainedLooking(activation, batchNorm);
      const x = tf.randomUniform([8, 784], 0, 1, 'float32', 7);
      const ours = await tf.tidy(() => model.forward(x, { training: false })).data();
      const session = await ort.InferenceSession.create(await toOnnx(model), ONE_THREAD);
      const run = await session.run({
        input: new ort.Tensor('float32', (await x.data()) as Float32Array, [8, 784]),
      });
      expect(maxDiff(run.output?.data as Float32Array, ours)).toBeLessThan(TOLERANCE);
      if (activation === 'serlu') {
        await expect(toTfjsLayersModel(model)).rejects.toThrow(
          "no layer for the activation 'serlu'",
        );
      } else {
        const { modelJson, weights } = await toTfjsLayersModel(model);
        const manifest = modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[];
        const loaded = await tfl.loadLayersModel(
          tf.io.fromMemory({
            modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
            weightSpecs: manifest[0]?.weights ?? [],
            weightData: weights.slice().buffer,
          }),
        );
        const theirs = await (loaded.predict(x) as tf.Tensor).data();
        expect(maxDiff(theirs, ours)).toBeLessThan(TOLERANCE);
        loaded.dispose();
      }
      model.dispose();
      x.dispose();
    });
  },
);

describe('export refuses what it cannot write faithfully', () => {
  it('names the tensor and element of a NaN weight', async () => {
    const model = new Mlp({ hidden: [4], seed: 1 });
    const w = model.stateDict()['fc2.bias'] as tf.Variable;
    w.assign(tf.tensor1d([0, 0, Number.NaN, 0, 0, 0, 0, 0, 0, 0]));
    await expect(toOnnx(model)).rejects.toThrow("'fc2.bias' holds NaN at element 2");
    model.dispose();
  });
});
