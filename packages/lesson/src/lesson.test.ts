import { initBackend } from '@mnist-lab/backends';
import { linearParameterCount, Mlp, parseMlpConfig } from '@mnist-lab/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatPercent,
  LESSON_CHAPTERS,
  LESSON_PRESET_NAMES,
  LESSON_PRESETS,
  LESSON_RECIPE,
  LESSON_RESULTS,
  modelFromSpec,
  type NetworkSpec,
  networkName,
  parseRunEvent,
  parseRunSpec,
  probabilities,
  runName,
} from './index';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('the lesson as data', () => {
  it("holds the seed notebook's recipe: SGD 0.01, momentum 0.5, batch 32, 10 epochs, 784-512-256-10", () => {
    expect(LESSON_RECIPE).toMatchObject({
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.5,
      batchSize: 32,
      epochs: 10,
    });
    expect(
      linearParameterCount([
        LESSON_RECIPE.inputSize,
        ...LESSON_RECIPE.hidden,
        LESSON_RECIPE.numClasses,
      ]),
    ).toBe(535_818);
  });

  it('builds each preset as the lesson Net: the default widths, log-softmax output', () => {
    expect(LESSON_PRESET_NAMES).toEqual(['sigmoid', 'relu', 'bn', 'he']);
    for (const name of LESSON_PRESET_NAMES) {
      const config = parseMlpConfig(modelFromSpec({ preset: name }));
      expect(config).toMatchObject({ ...LESSON_PRESETS[name], hidden: [512, 256], inputSize: 784 });
      expect(config.output).toBe('log-softmax');
    }
  });

  it('holds ten printed epochs per preset, ending where the notebook ended', () => {
    expect(Object.keys(LESSON_RESULTS)).toEqual(LESSON_PRESET_NAMES);
    for (const rows of Object.values(LESSON_RESULTS))
      expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(LESSON_RESULTS.relu.at(-1)).toEqual({
      epoch: 10,
      lessonTestLoss: 0.0026,
      testAccuracy: 0.9741,
    });
    expect(LESSON_RESULTS.sigmoid[0]).toEqual({
      epoch: 1,
      lessonTestLoss: 0.0286,
      testAccuracy: 0.7042,
    });
    // Exactly the printed digits, as fractions (no 0.9741000000000001).
    for (const rows of Object.values(LESSON_RESULTS))
      for (const r of rows) expect(formatPercent(r.testAccuracy)).toMatch(/^\d\d\.\d\d$/);
    expect(LESSON_RESULTS.relu.map((r) => formatPercent(r.testAccuracy))).toEqual([
      '90.89',
      '93.24',
      '94.86',
      '95.57',
      '96.17',
      '96.41',
      '96.79',
      '97.02',
      '97.20',
      '97.41',
    ]);
  });

  it('prints accuracies as the lesson does, from fractions', () => {
    expect(formatPercent(0.9733)).toBe('97.33');
    expect(formatPercent(0.5, 1)).toBe('50.0');
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatPercent(undefined)).toBe('—');
  });
});

describe('run specs', () => {
  it("fills in the recipe's defaults", () => {
    const r = parseRunSpec({ preset: 'bn' });
    expect(r.ok && r.spec).toMatchObject({
      preset: 'bn',
      epochs: 10,
      batchSize: 32,
      lr: 0.01,
      momentum: 0.5,
      seed: 1,
    });
  });

  it('names every bad field with its path', () => {
    const r = parseRunSpec({ preset: 'tanh', hidden: [512, -3], lr: 0, extra: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path.join('.')).sort()).toEqual(['', 'hidden.1', 'lr', 'preset']);
  });

  it('turns a spec into the network it describes: the preset, then each setting over it', () => {
    expect(modelFromSpec({ preset: 'he', dropout: 0, seed: 7 })).toEqual({
      ...LESSON_PRESETS.he,
      dropout: 0,
      seed: 7,
    });
    expect(modelFromSpec({})).toEqual({ ...LESSON_PRESETS.relu, seed: 1 });
  });

  it.each([
    [{}, 'relu-seed1'],
    [{ preset: 'bn', seed: 3 }, 'bn-seed3'],
    [{ preset: 'relu', dropout: 0.5 }, 'relu-seed1'],
    [{ dropout: 0 }, 'relu-custom-seed1'],
    [{ preset: 'sigmoid', hidden: [512, 256] }, 'sigmoid-seed1'],
    [{ preset: 'sigmoid', hidden: [64] }, 'sigmoid-custom-seed1'],
  ] as [NetworkSpec, string][])('names %j %s', (spec, name) => {
    expect(runName(spec)).toBe(name);
    expect(networkName(spec)).toBe(name.replace(/-seed\d+$/, ''));
  });
});

describe('probabilities', () => {
  it('gives rows that sum to one, from log-softmax and from logits alike, leaking nothing', async () => {
    for (const output of ['log-softmax', 'logits'] as const) {
      const model = new Mlp({ inputSize: 6, hidden: [5], numClasses: 3, output, seed: 2 });
      const x = tf.randomUniform([4, 2, 3], 0, 1, 'float32', 1);
      const before = tf.memory().numTensors;
      const p = probabilities(model, x);
      expect(p.shape).toEqual([4, 3]);
      for (const row of (await p.array()) as number[][])
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      p.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x]);
      model.dispose();
    }
  });
});

describe('run events', () => {
  it('reads the lines train --json writes, and nothing else', () => {
    const epoch = {
      event: 'epoch',
      config: 'relu',
      seed: 1,
      epoch: 1,
      trainLoss: 0.3,
      trainAccuracy: 0.901,
      testLoss: 0.2,
      lessonTestLoss: 0.006,
      testAccuracy: 0.9108,
      seconds: 5.5,
      backend: 'wasm',
    };
    expect(parseRunEvent(JSON.stringify(epoch))).toEqual(epoch);
    expect(parseRunEvent(JSON.stringify({ ...epoch, testLoss: null }))?.event).toBe('epoch');
    expect(
      parseRunEvent('{"event":"done","config":"bn","seed":2,"model":"m","epochs":1,"seconds":3}'),
    ).toMatchObject({ event: 'done', model: 'm' });
    // Accuracies are fractions: a percentage is refused rather than read as 9108 %.
    expect(parseRunEvent(JSON.stringify({ ...epoch, testAccuracy: 91.08 }))).toBeUndefined();
    expect(parseRunEvent('not json')).toBeUndefined();
    expect(parseRunEvent('{"event":"epoch","config":"relu"}')).toBeUndefined();
    expect(parseRunEvent('{"event":"other"}')).toBeUndefined();
  });
});

/** Words that say which way a value went: in a chart's caption only where its data says so. */
const DIRECTION =
  /\b(grows?|grew|shrinks?|shrank|less|more|wider|narrower|smaller|larger|higher|lower|above|below|keeps?)\b/i;

describe('the chapters', () => {
  it("quote the lesson's printed accuracies, in both languages", () => {
    const printed = new Set(
      Object.values(LESSON_RESULTS).flatMap((epochs) =>
        epochs.map((e) => formatPercent(e.testAccuracy)),
      ),
    );
    for (const c of LESSON_CHAPTERS)
      for (const lang of ['en', 'ko'] as const)
        for (const [, value] of c.paragraphs[lang].join(' ').matchAll(/(\d+\.\d+) ?%/g))
          expect(printed, `${c.claim} (${lang}): ${value}`).toContain(value);
    // He brings no gain in the lesson: its final accuracy against batch norm's, as chapter 4 says.
    const he = LESSON_CHAPTERS.find((c) => c.claim === 'he-init')?.paragraphs.en.join(' ') ?? '';
    expect(he).toContain(
      `${formatPercent(LESSON_RESULTS.he.at(-1)?.testAccuracy)} % with He against ${formatPercent(LESSON_RESULTS.bn.at(-1)?.testAccuracy)} % without`,
    );
    expect(LESSON_RESULTS.he.at(-1)?.testAccuracy).toBeLessThan(
      LESSON_RESULTS.bn.at(-1)?.testAccuracy ?? 0,
    );
  });

  it('caption their charts with what is drawn, not with a direction the runs would have to bear out', () => {
    for (const c of LESSON_CHAPTERS) expect(c.chart.en, c.claim).not.toMatch(DIRECTION);
  });
});
