import { initBackend, probeBackends } from '@mnist-lab/backends';
import { chooseNodeBackend, NODE_AUTO_ORDER } from '@mnist-lab/backends/internal';
import { crossEntropy, Mlp } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trainingSpeed } from './index';

const lessonTrial = () =>
  trainingSpeed(() => new Mlp({ seed: 1 }), {
    loss: crossEntropy,
    optimizer: { name: 'sgd', lr: 0.01, momentum: 0.5 },
    batchSize: 32,
    inputSize: 784,
    numClasses: 10,
    milliseconds: 200,
  });

describe('trainingSpeed', () => {
  it('times real steps of the network and leaves no tensors behind', async () => {
    await initBackend({ prefer: 'wasm' });
    const before = tf.memory().numTensors;
    const speed = await lessonTrial();
    expect(speed).toBeGreaterThan(0);
    expect(Number.isFinite(speed)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("Node's auto by measurement", () => {
  const candidate = (name: string) => {
    const c = NODE_AUTO_ORDER.find((x) => x.name === name);
    if (c === undefined) throw new Error(`no ${name} in NODE_AUTO_ORDER`);
    return c;
  };

  it('times each backend that starts and keeps the fastest (cpu against wasm: wasm, by far)', async () => {
    let trials = 0;
    const report = await chooseNodeBackend([candidate('cpu'), candidate('wasm')], {}, () => {
      trials++;
      return lessonTrial();
    });
    expect(trials).toBe(2);
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const [cpu, wasm] = report.measured ?? [];
    expect(cpu?.backend).toBe('cpu');
    expect(wasm?.backend).toBe('wasm');
    // The pure-JavaScript cpu backend trains the lesson's network ~50x slower than wasm here.
    expect(wasm?.samplesPerSecond).toBeGreaterThan(5 * (cpu?.samplesPerSecond ?? Infinity));
  }, 60_000);

  it('times nothing where only one backend (besides the cpu reference) can start', async () => {
    const probes = await probeBackends();
    const usable = new Set(
      probes.filter((p) => p.available && p.backend !== 'cpu').map((p) => p.backend),
    );
    let trials = 0;
    const report = await initBackend({
      trial: () => {
        trials++;
        return lessonTrial();
      },
    });
    if (usable.size <= 1) {
      expect(trials).toBe(0);
      expect(report.measured).toBeUndefined();
    } else {
      expect(report.measured?.map((m) => m.backend).sort()).toEqual([...usable].sort());
      const fastest = [...(report.measured ?? [])].sort(
        (a, b) => b.samplesPerSecond - a.samplesPerSecond,
      )[0];
      expect(report.backend).toBe(fastest?.backend);
    }
  }, 120_000);
});
