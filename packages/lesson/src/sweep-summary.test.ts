import { describe, expect, it } from 'vitest';
import { summarizeSweep, sweepReadings, sweepSpecSchema } from './index';

// Results as a sweep over lr × momentum writes them (accuracy a fraction), made to test each
// reading: the best point against the lesson's (0.01, 0.5), the seeds' spread, divergence.
const spec = sweepSpecSchema.parse({
  axes: [
    { field: 'lr', values: [0.01, 0.1] },
    { field: 'momentum', values: [0.5, 0.9] },
  ],
  seeds: 2,
});
const line = (lr: number, momentum: number, acc: number | null, more = {}) => ({
  point: { lr, momentum },
  testAccuracy: acc,
  ...more,
});

describe('summarizeSweep and sweepReadings', () => {
  it('summarizes each point over its seeds and marks the lesson’s', () => {
    const points = summarizeSweep(spec, [
      line(0.01, 0.5, 0.9),
      line(0.01, 0.5, 0.92),
      line(0.1, 0.9, null, { failed: 'NaN loss', diverged: true }),
      line(0.1, 0.9, 0.5),
    ]);
    const lesson = points.find((p) => p.lesson);
    expect(lesson?.key).toBe('lr=0.01, momentum=0.5');
    expect(lesson?.accuracy.n).toBe(2);
    expect(lesson?.accuracy.mean).toBeCloseTo(0.91, 12);
    expect(points.find((p) => !p.lesson)?.diverged).toBe(1);
  });

  it('says whether the best beat the lesson by more than the seeds’ spread, in both languages', () => {
    const far = summarizeSweep(spec, [
      line(0.01, 0.5, 0.9),
      line(0.01, 0.5, 0.902),
      line(0.1, 0.9, 0.95),
      line(0.1, 0.9, 0.952),
    ]);
    const [best, vsLesson] = sweepReadings(far, 'en');
    expect(best).toBe('The best settings were lr=0.1, momentum=0.9: 95.10 ± 0.14 % over 2 seeds.');
    expect(vsLesson).toMatch(
      /^The lesson's values \(lr=0\.01, momentum=0\.5\) scored 90\.10 ± 0\.14 %: 5\.00 points lower, more than the seeds' spread/,
    );
    expect(sweepReadings(far, 'ko')[0]).toBe(
      '가장 좋은 설정은 lr=0.1, momentum=0.9였고, 시드 2개에서 95.10 ± 0.14%였습니다.',
    );
    const near = summarizeSweep(spec, [
      line(0.01, 0.5, 0.9),
      line(0.01, 0.5, 0.95),
      line(0.1, 0.9, 0.91),
      line(0.1, 0.9, 0.95),
    ]);
    expect(sweepReadings(near, 'en')[1]).toMatch(/no more than the seeds' spread/);
    const one = summarizeSweep({ ...spec, seeds: 1 }, [line(0.01, 0.5, 0.9), line(0.1, 0.9, 0.95)]);
    expect(sweepReadings(one, 'en')[1]).toMatch(/with one seed each, which cannot tell/);
  });

  it('names the points whose loss diverged, with how many of their seeds', () => {
    const points = summarizeSweep(spec, [
      line(0.01, 0.5, 0.9),
      line(0.1, 0.9, null, { failed: 'NaN', diverged: true }),
      line(0.1, 0.9, 0.4),
    ]);
    expect(sweepReadings(points, 'en').at(-1)).toBe(
      'The loss diverged (to NaN or infinity) at lr=0.1, momentum=0.9 (1 of 2 seeds).',
    );
  });
});
