import { describe, expect, it } from 'vitest';
import { balancedJobs, comparedNetworks, runArgs, runEnvironment } from './plan';

describe('balancedJobs', () => {
  it('runs everything at once where the cores suffice', () => {
    expect(balancedJobs(4, 16)).toBe(4);
    expect(balancedJobs(1, 2)).toBe(1);
  });

  it('starts one run per core where the runs divide evenly', () => {
    expect(balancedJobs(4, 2)).toBe(2);
    expect(balancedJobs(8, 4)).toBe(4);
  });

  it('starts more than the cores where that ends a run length or more sooner', () => {
    // The lesson with its control, 2 cores: 2 at a time ends after 3 run lengths, 3 after 2.5.
    expect(balancedJobs(5, 2)).toBe(3);
    // Seven runs: 4 at a time end after 3.5 (2 + 1.5), the fewest of any count.
    expect(balancedJobs(7, 2)).toBe(4);
    // Three seeds of the lesson: 3 at a time, 5 waves of 1.5 (4 at a time ties; the smaller wins).
    expect(balancedJobs(15, 2)).toBe(3);
    // All five at once on 4 cores: 1.25 run lengths against 2.
    expect(balancedJobs(5, 4)).toBe(5);
  });

  it('never starts more than twice the cores', () => {
    for (let runs = 1; runs <= 40; runs++)
      for (const cores of [1, 2, 3, 4, 8]) {
        const jobs = balancedJobs(runs, cores);
        expect(jobs).toBeGreaterThanOrEqual(Math.min(runs, cores));
        expect(jobs).toBeLessThanOrEqual(Math.max(Math.min(runs, cores), 2 * cores));
      }
  });
});

describe('runEnvironment', () => {
  it("gives each run its share of the cores for MNIST_LAB_BLAS_THREADS=auto, leaving compare's own alone", () => {
    const env = { MNIST_LAB_BLAS_THREADS: 'auto', PATH: '/bin' };
    expect(runEnvironment(2, 8, env)).toEqual({ MNIST_LAB_BLAS_THREADS: '4', PATH: '/bin' });
    expect(runEnvironment(3, 2, env)).toEqual({ MNIST_LAB_BLAS_THREADS: '1', PATH: '/bin' });
    expect(env.MNIST_LAB_BLAS_THREADS).toBe('auto');
  });
  it('passes any other setting on as it is', () => {
    const env = { MNIST_LAB_BLAS_THREADS: '2' };
    expect(runEnvironment(2, 8, env)).toBe(env);
    expect(runEnvironment(2, 8, {})).toEqual({});
  });
});

describe('comparedNetworks', () => {
  it("adds the controls the lesson's claims need, once each, after the presets", () => {
    expect(comparedNetworks(['sigmoid', 'relu', 'bn', 'he'], true)).toEqual([
      'sigmoid',
      'relu',
      'bn',
      'he',
      'relu-no-dropout',
      'relu-he-no-dropout',
    ]);
    // He's control pair: ReLU without batch norm or dropout, default and He weights.
    expect(comparedNetworks(['he'], true)).toEqual(['he', 'relu-no-dropout', 'relu-he-no-dropout']);
    expect(comparedNetworks(['relu'], true)).toEqual(['relu', 'relu-no-dropout']);
    expect(comparedNetworks(['sigmoid', 'bn'], true)).toEqual(['sigmoid', 'bn']);
    expect(comparedNetworks(['relu', 'he'], false)).toEqual(['relu', 'he']);
  });

  it("gives a control run its preset's flags and its changes", () => {
    const args = runArgs(
      { network: 'relu-he-no-dropout', seed: 2 },
      { presets: ['he'], seeds: 1, epochs: 1, controls: true },
      'out',
    );
    expect(args.slice(0, 8)).toEqual([
      '--preset',
      'relu',
      '--dropout',
      '0',
      '--init',
      'he-uniform',
      '--seed',
      '2',
    ]);
  });
});
