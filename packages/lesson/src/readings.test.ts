import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  finalAccuracy,
  gradientRatio,
  initialSpread,
  lessonReadings,
  overfitSeries,
  type RunRecord,
  spread,
} from './index';

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

  it('follow the numbers, not a script: swapped gradients say the claim did not hold', () => {
    const runs = [run('sigmoid', 1, [probe(0, [3, 1, 2])]), run('relu', 1, [probe(0, [1, 5, 10])])];
    const [reading] = lessonReadings(runs, { epochs: 10, seeds: 1, trainSize: 'all' });
    expect(reading?.text).toContain("Here the sigmoid network's ratio was not the smaller one");
  });

  it('leave out what did not run, and add the caveats that apply', () => {
    const onlyRelu = recorded.runs.filter((r) => r.network === 'relu' && r.seed === 1);
    const readings = lessonReadings(onlyRelu, { epochs: 10, seeds: 1, trainSize: 'all' });
    expect(readings.map((r) => r.topic)).toEqual(['caveats']);
    expect(readings[0]?.text).toMatch(/^One seed per network/);
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
