import { describe, expect, it } from 'vitest';
import { balancedJobs } from './plan';

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
