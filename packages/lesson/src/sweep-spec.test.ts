import { describe, expect, it } from 'vitest';
import { expandSweep, LESSON_RECIPE, parseAxis, runSpecId, SweepSpecError } from './index';

const error = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    expect(SweepSpecError.isInstance(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a SweepSpecError');
};

describe('sweep axes', () => {
  it('reads lists, log and linear ranges, widths and flags', () => {
    expect(parseAxis('lr=0.001,0.01,0.1')).toEqual({ field: 'lr', values: [0.001, 0.01, 0.1] });
    expect(parseAxis('lr=log:0.0001..1:5').values).toEqual([0.0001, 0.001, 0.01, 0.1, 1]);
    expect(parseAxis('momentum=linear:0..0.9:4').values).toEqual([0, 0.3, 0.6, 0.9]);
    expect(parseAxis('hidden=512x256,256x128').values).toEqual([
      [512, 256],
      [256, 128],
    ]);
    expect(parseAxis('batchNorm=true,false').values).toEqual([true, false]);
    expect(parseAxis('activation=relu,sigmoid').values).toEqual(['relu', 'sigmoid']);
  });

  it('refuses a field, a value or a range it cannot read, naming the flag', () => {
    expect(error(() => parseAxis('speed=1,2'))).toMatch(
      /^--vary speed=1,2: expected FIELD=VALUES with FIELD one of lr, momentum/,
    );
    expect(error(() => parseAxis('lr=0x10'))).toBe(
      "--vary lr=0x10: expected a decimal number, got '0x10'",
    );
    expect(error(() => parseAxis('lr=log:0..1:5'))).toBe(
      '--vary lr=log:0..1:5: a log range needs FROM and TO above 0',
    );
    expect(error(() => parseAxis('lr=log:0.1..1:1000'))).toMatch(/COUNT must be 2 to 100/);
    expect(error(() => parseAxis('batchNorm=yes'))).toMatch(/expected true or false/);
  });
});

describe('expandSweep', () => {
  const base = { epochs: 1, trainSize: 320 };

  it('makes every combination × seeds, each a checked run spec with a stable id', () => {
    const runs = expandSweep({
      base,
      axes: [parseAxis('lr=0.01,0.1'), parseAxis('momentum=0,0.5,0.9')],
      seeds: 2,
    });
    expect(runs).toHaveLength(12);
    expect(runs[0]).toMatchObject({ point: { lr: 0.01, momentum: 0 }, seed: 1 });
    expect(runs[0]?.spec).toMatchObject({
      lr: 0.01,
      momentum: 0,
      seed: 1,
      epochs: 1,
      batchSize: 32,
    });
    // The id is the spec's: the same settings give the same id, another seed another.
    expect(new Set(runs.map((r) => r.id)).size).toBe(12);
    const first = runs[0] as (typeof runs)[number];
    expect(runSpecId({ ...first.spec })).toBe(first.id);
    const again = expandSweep({
      base,
      axes: [parseAxis('momentum=0,0.5,0.9'), parseAxis('lr=0.01,0.1')],
      seeds: 2,
    });
    expect(new Set(again.map((r) => r.id))).toEqual(new Set(runs.map((r) => r.id)));
    // The lesson's recipe, as a point of the grid, has the id a plain run of it has.
    const lesson = runs.find(
      (r) => r.point.lr === LESSON_RECIPE.lr && r.point.momentum === 0.5 && r.seed === 1,
    );
    expect(lesson?.id).toBe(expandSweep({ base, axes: [{ field: 'lr', values: [0.01] }] })[0]?.id);
  });

  it('draws random points from the seed, the same each time', () => {
    const spec = {
      base,
      axes: [parseAxis('lr=log:0.0001..1:9'), parseAxis('batchSize=16,32,64,128')],
      mode: 'random' as const,
      samples: 6,
      sampleSeed: 3,
    };
    const a = expandSweep(spec);
    expect(a.map((r) => r.point)).toEqual(expandSweep(spec).map((r) => r.point));
    // Six distinct points of the 36.
    expect(new Set(a.map((r) => JSON.stringify(r.point))).size).toBe(6);
    // Drawn evenly: over many draws of one point, each lr comes up about as often (9 values).
    const counts = new Map<number, number>();
    for (let seed = 1; seed <= 900; seed++) {
      const [first] = expandSweep({ ...spec, samples: 1, sampleSeed: seed });
      counts.set(first?.point.lr as number, (counts.get(first?.point.lr as number) ?? 0) + 1);
    }
    expect(counts.size).toBe(9);
    // 100 expected each: a binomial's 4.5 standard deviations is ±43.
    for (const n of counts.values()) expect(Math.abs(n - 100)).toBeLessThan(43);
    expect(error(() => expandSweep({ ...spec, samples: 36 }))).toBe(
      '--samples 36: the axes have only 36 combinations; draw fewer, or use --mode grid for all of them',
    );
    expect(a.map((r) => r.point)).not.toEqual(
      expandSweep({ ...spec, sampleSeed: 4 }).map((r) => r.point),
    );
    expect(error(() => expandSweep({ ...spec, samples: undefined }))).toMatch(/give --samples N/);
  });

  it("refuses a value the run spec refuses, or a network past the builder's limits, before anything runs", () => {
    expect(error(() => expandSweep({ base, axes: [parseAxis('lr=0.1,0')] }))).toBe(
      'the run at lr=0: lr: expected a number > 0, got 0',
    );
    expect(error(() => expandSweep({ base, axes: [parseAxis('hidden=1000000000')] }))).toMatch(
      /^the run at hidden=\[1000000000\]: hidden.0: expected a number ≤ 16384, got 1000000000$/,
    );
    expect(
      error(() => expandSweep({ base, axes: [parseAxis('hidden=4096x4096x4096x4096')] })),
    ).toMatch(/^the run at hidden=\[4096,4096,4096,4096\]: .*parameters/);
    expect(
      error(() =>
        expandSweep({ base: { ...base, lr: Number.NaN }, axes: [parseAxis('momentum=0')] }),
      ),
    ).toMatch(/lr: /);
  });

  it('refuses a sweep past its limits (runs, axes, seeds), naming the count', () => {
    const axes = [
      parseAxis('lr=log:0.0001..1:20'),
      parseAxis('momentum=linear:0..0.9:10'),
      parseAxis('batchSize=16,32,64'),
    ];
    expect(error(() => expandSweep({ base, axes, seeds: 2 }))).toBe(
      'the sweep would make 1200 runs; at most 1000 (fewer values, axes or seeds)',
    );
    expect(error(() => expandSweep({ base, axes: [axes[0] as never], seeds: 21 }))).toMatch(
      /^sweep spec: at seeds: /,
    );
    expect(error(() => expandSweep({ base, axes: [] }))).toMatch(/^sweep spec: at axes: /);
    // Counted, not built: four axes of 100 values (10⁸ points, gigabytes as objects) are refused
    // before any point is made.
    const wide = parseAxis('lr=log:0.0001..1:100');
    expect(error(() => expandSweep({ base, axes: [wide, wide, wide, wide] }))).toBe(
      'the sweep would make 100000000 runs; at most 1000 (fewer values, axes or seeds)',
    );
  });
});
