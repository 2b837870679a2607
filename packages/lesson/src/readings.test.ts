import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  finalAccuracy,
  gradientRatio,
  initialSpread,
  layerGains,
  lessonReadings,
  overfitSeries,
  type RunRecord,
  spread,
} from './index';
import { endsInConsonant, particle } from './korean';
import { spreadTrend } from './readings-text';

/** A real comparison's runs (3 epochs, 2 seeds, 3200 examples), recorded: see its note. */
const recorded = JSON.parse(
  readFileSync(new URL('../test-fixtures/compare-3-epochs.json', import.meta.url), 'utf8'),
) as { settings: { epochs: number; seeds: number; trainSize: number }; runs: RunRecord[] };
const settings = { epochs: 3, seeds: 2, trainSize: 3200 } as const;

/** A probe with the given weight-gradient norms and nothing else. */
const probe = (step: number, norms: number[]) => ({
  event: 'probe' as const,
  config: 'x',
  seed: 1,
  epoch: 1,
  step,
  layers: {},
  gradNorm: Object.fromEntries(norms.map((n, i) => [`fc${i + 1}.weight`, n])),
  weightNorm: {},
  updateRatio: {},
});
const run = (network: string, seed: number, probes: ReturnType<typeof probe>[]): RunRecord => ({
  network,
  seed,
  epochs: [],
  probes,
});

describe('mechanisms', () => {
  it('spread: the mean and the sample standard deviation (closed form)', () => {
    expect(spread([1, 2, 3, 4])).toMatchObject({ mean: 2.5, std: Math.sqrt(5 / 3) });
    expect(spread([7])).toMatchObject({ mean: 7, std: 0 });
    expect(Number.isNaN(spread([]).mean)).toBe(true);
  });

  it("gradientRatio: the median over every probe and seed of the first layer's norm over the last's", () => {
    const runs = [
      run('sigmoid', 1, [probe(0, [1, 5, 10]), probe(100, [2, 5, 10])]),
      run('sigmoid', 2, [probe(0, [9, 5, 10])]),
      run('relu', 1, [probe(0, [3, 1, 2])]),
    ];
    expect(gradientRatio(runs, 'sigmoid')).toBeCloseTo(0.2, 12);
    expect(gradientRatio(runs, 'relu')).toBeCloseTo(1.5, 12);
    expect(Number.isNaN(gradientRatio(runs, 'bn'))).toBe(true);
  });

  it('reads a recorded comparison: final accuracies, step-0 spreads and train/test gaps per network', () => {
    const { runs } = recorded;
    const bn = finalAccuracy(runs, 'bn');
    expect(bn.values).toHaveLength(2);
    expect(bn.mean).toBeGreaterThan(0.8);
    // He's weights are √6 ≈ 2.45 times wider than PyTorch's default: so is each layer's output at step 0.
    const he = initialSpread(runs, 'he');
    const base = initialSpread(runs, 'bn');
    expect(he.map((l) => l.layer)).toEqual(['fc1', 'fc2', 'fc3']);
    const fc1 = (he[0]?.std ?? 0) / (base[0]?.std ?? 1);
    expect(fc1).toBeGreaterThan(2.2);
    expect(fc1).toBeLessThan(2.7);
    const gaps = overfitSeries(runs, 'relu-no-dropout');
    expect(gaps.map((g) => g.epoch)).toEqual([1, 2, 3]);
    for (const g of gaps) expect(g.train).toBeGreaterThan(g.test);
  });
});

describe('readings', () => {
  it('say what the recorded runs show, with their own numbers, in English', () => {
    const readings = lessonReadings(recorded.runs, settings, 'en');
    expect(readings.map((r) => r.topic)).toEqual([
      'vanishing-gradient',
      'batch-norm',
      'he-init',
      'dropout',
      'sigmoid-start',
      'caveats',
    ]);
    const text = (topic: string) => readings.find((r) => r.topic === topic)?.text ?? '';
    const sigmoid = gradientRatio(recorded.runs, 'sigmoid');
    const relu = gradientRatio(recorded.runs, 'relu');
    expect(sigmoid).toBeLessThan(relu / 5);
    expect(text('vanishing-gradient')).toContain(`${sigmoid.toFixed(3)}× the size of fc3's`);
    expect(text('vanishing-gradient')).toContain(
      `(median of 6 probes); in the ReLU network, ${relu.toFixed(3)}×`,
    );
    const bnGain =
      (finalAccuracy(recorded.runs, 'bn').mean - finalAccuracy(recorded.runs, 'relu').mean) * 100;
    expect(text('batch-norm')).toContain(`bn ended +${bnGain.toFixed(2)} points against relu`);
    expect(text('caveats')).toMatch(/trained 3 epochs, the lesson 10.*on 3200 of MNIST's 60000/);
    expect(text('caveats')).not.toContain('One seed');
  });

  it("say what He initialization does where it acts (no batch norm), from the control pair's step-0 spreads", () => {
    const base = layerGains(recorded.runs, 'relu-no-dropout');
    const he = layerGains(recorded.runs, 'relu-he-no-dropout');
    // Closed form for a ReLU layer, weights alone: the default's factor √(1/6) ≈ 0.41, He's 1.
    // Biases and 32 examples move them: within these bounds on the recorded runs.
    expect(base.perLayer).toBeGreaterThan(0.35);
    expect(base.perLayer).toBeLessThan(0.6);
    expect(he.perLayer).toBeGreaterThan(0.8);
    expect(he.perLayer).toBeLessThan(1.1);
    const text =
      lessonReadings(recorded.runs, settings, 'en').find((r) => r.topic === 'he-init')?.text ?? '';
    expect(text).toContain(
      `a factor of ${base.perLayer.toFixed(2)} against ${he.perLayer.toFixed(2)} per layer`,
    );
    expect(text).toContain(
      "with the default the spread shrank from layer to layer, with He's it stayed about the same",
    );
    // The lesson's pair: one factor, He's over the default's, in every layer (√6 ≈ 2.45).
    const bn = initialSpread(recorded.runs, 'bn');
    const ratios = initialSpread(recorded.runs, 'he').map((l, i) => l.std / (bn[i]?.std ?? 1));
    for (const r of ratios) expect(r).toBeGreaterThan(2.2);
    for (const r of ratios) expect(r).toBeLessThan(2.7);
    expect(text).toContain(
      `He's outputs were ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')} the default's`,
    );
    expect(text).toContain(
      "In the lesson's network, batch norm undoes the initialization's scale.",
    );
  });

  it('word every direction from the data: a trend, a drift or a gap the numbers do not bear out is said so', () => {
    expect([0.41, 0.79, 0.8, 1, 1.25, 1.26].map(spreadTrend)).toEqual([
      'shrinks',
      'shrinks',
      'holds',
      'holds',
      'holds',
      'grows',
    ]);
    const layered = (network: string, stds: number[], preStds?: [number, number]): RunRecord => ({
      network,
      seed: 1,
      epochs: [
        {
          event: 'epoch' as const,
          config: network,
          seed: 1,
          epoch: 1,
          trainLoss: 1,
          trainAccuracy: 0.5,
          testAccuracy: 0.5,
          lessonTestLoss: 1,
          trainEvalAccuracy: network === 'relu' ? 0.9 : 0.6,
          seconds: 1,
        },
      ],
      probes: [0, 100].map((step, k) => ({
        ...probe(step, [1, 1, 1]),
        layers: Object.fromEntries(
          stds.map((std, i) => [
            `fc${i + 1}`,
            {
              linear: { mean: 0, std },
              ...(preStds === undefined ? {} : { pre: { mean: 0, std: preStds[k] as number } }),
            },
          ]),
        ),
      })),
    });
    const runs = [
      // He's spread growing without batch norm, and varying factors with it.
      layered('relu-no-dropout', [0.2, 0.4, 0.8]),
      layered('relu-he-no-dropout', [0.5, 1, 2]),
      layered('bn', [0.2, 0.6, 0.6], [1, 3]),
      layered('he', [0.5, 3, 0.6], [1, 3]),
      // relu's pre-activations steady, bn's drifting; relu's gap (0.9 − 0.5) wider than without dropout.
      layered('relu', [0.2, 0.1, 0.05], [1, 1.1]),
    ];
    const text = (topic: string) =>
      lessonReadings(runs, { epochs: 1, seeds: 1, trainSize: 'all' }).find((r) => r.topic === topic)
        ?.text ?? '';
    expect(text('he-init')).toContain(
      "with the default the spread grew from layer to layer, with He's it grew",
    );
    expect(text('he-init')).toContain('not one factor in every layer');
    expect(text('he-init')).not.toContain('undoes');
    expect(text('batch-norm')).toContain("bn's spread moved as much as relu's or more");
    expect(text('dropout')).toContain('its gap was not the smaller one');
  });

  it('follow the numbers, not a script: swapped gradients say the claim did not hold', () => {
    const saturated = {
      ...probe(0, [3, 1, 2]),
      layers: { fc1: { linear: { mean: 0, std: 1 }, saturated: 0.002 } },
    };
    const runs = [run('sigmoid', 1, [saturated]), run('relu', 1, [probe(0, [1, 5, 10])])];
    const [reading] = lessonReadings(runs, { epochs: 10, seeds: 1, trainSize: 'all' });
    expect(reading?.text).toContain("Here the sigmoid network's ratio was not the smaller one");
    // Nor does it then say what shrinks the gradient.
    expect(reading?.text).not.toMatch(/shrink/);
  });

  it('leave out what did not run, and add the caveats that apply', () => {
    const onlyRelu = recorded.runs.filter((r) => r.network === 'relu' && r.seed === 1);
    const readings = lessonReadings(onlyRelu, { epochs: 10, seeds: 1, trainSize: 'all' });
    expect(readings.map((r) => r.topic)).toEqual(['caveats']);
    expect(readings[0]?.text).toMatch(/^One seed per network.*--seeds 3 shows the spread/);
    // The lab has no --seeds flag: there the caveat points to the form's Seed.
    const lab = lessonReadings(onlyRelu, { epochs: 10, seeds: 1, trainSize: 'all', where: 'lab' });
    expect(lab[0]?.text).not.toContain('--seeds');
    expect(lab[0]?.text).toContain('with the Seed of the form');
    expect(lessonReadings(onlyRelu, { epochs: 10, seeds: 3, trainSize: 'all' })).toEqual([]);
  });

  it('are written in Korean too, with the same numbers', () => {
    const en = lessonReadings(recorded.runs, settings, 'en');
    const ko = lessonReadings(recorded.runs, settings, 'ko');
    expect(ko.map((r) => r.topic)).toEqual(en.map((r) => r.topic));
    const numbers = (s: string) => (s.match(/\d+\.\d+/g) ?? []).sort();
    for (const [i, r] of ko.entries()) {
      expect(r.text).toMatch(/[가-힣]/);
      expect(numbers(r.text)).toEqual(numbers(en[i]?.text ?? ''));
    }
  });
});

describe('Korean particles', () => {
  it('follow how a number or a word is read aloud: 0.57 (칠) takes 이었고, 0.52 (이) 였고', () => {
    expect(particle('0.57', '이었고', '였고')).toBe('0.57이었고');
    expect(particle('0.52', '이었고', '였고')).toBe('0.52였고');
    expect(particle('1.00', '이었고', '였고')).toBe('1.00이었고');
    expect(particle('fc3 0.04', '이었고', '였고')).toBe('fc3 0.04였고');
    expect(
      ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19'].map(endsInConsonant),
    ).toEqual([true, true, false, true, false, false, true, true, true, false]);
    expect(endsInConsonant('신경망')).toBe(true);
    expect(endsInConsonant('시드')).toBe(false);
  });
});
