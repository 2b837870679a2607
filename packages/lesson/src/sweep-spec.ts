import { hasMarker, MnistLabError } from '@mnist-lab/errors';
import { parseMlpConfig } from '@mnist-lab/layers';
import { Rng } from '@mnist-lab/random';
import { z } from 'zod';
import { modelFromSpec, parseRunSpec, type RunSpec, type RunSpecInput } from './run-spec';

/** The run spec fields a sweep may vary (the rest come from its base, as for `train`). */
export const SWEEP_FIELDS = [
  'lr',
  'momentum',
  'batchSize',
  'epochs',
  'dropout',
  'batchNorm',
  'activation',
  'init',
  'hidden',
  'optimizer',
  'preset',
  'trainSize',
  'testSize',
] as const;
/** One of {@link SWEEP_FIELDS}. */
export type SweepField = (typeof SWEEP_FIELDS)[number];

/** What one sweep may ask for: more is refused before anything runs. */
export const SWEEP_LIMITS = { maxAxes: 4, maxValues: 100, maxRuns: 1000, maxSeeds: 20 } as const;

/** A value an axis takes: a number, a name, a flag, or hidden widths. */
export type SweepValue = number | string | boolean | number[];

const value = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);

/** A sweep, as a file (`--spec sweep.yaml`) or flags give it: a base run and the axes around it. */
export const sweepSpecSchema = z.strictObject({
  /** Settings every run shares (a run spec's fields, as `train --config` takes them). */
  base: z.record(z.string(), z.unknown()).default({}),
  /** Each axis: a field and the values it takes. */
  axes: z
    .array(
      z.strictObject({
        field: z.enum(SWEEP_FIELDS),
        values: z.array(value).min(1).max(SWEEP_LIMITS.maxValues),
      }),
    )
    .min(1)
    .max(SWEEP_LIMITS.maxAxes),
  /** Seeds 1..N for every point. */
  seeds: z.number().int().min(1).max(SWEEP_LIMITS.maxSeeds).default(1),
  /** `grid`: every combination; `random`: `samples` points drawn with `sampleSeed`. */
  mode: z.enum(['grid', 'random']).default('grid'),
  samples: z.number().int().positive().max(SWEEP_LIMITS.maxRuns).optional(),
  sampleSeed: z.number().int().default(1),
});
/** A checked sweep spec, defaults filled in. */
export type SweepSpec = z.output<typeof sweepSpecSchema>;
/** A sweep spec as written. */
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;

/** One run of a sweep: its stable id, the point of the axes it stands for, its seed and its spec. */
export interface SweepRun {
  /** A stable hash of its run spec: the same settings are the same id, in any sweep. */
  readonly id: string;
  readonly point: Readonly<Record<string, SweepValue>>;
  readonly seed: number;
  readonly spec: RunSpec;
}

const marker = Symbol.for('mnist-lab.lesson.sweep-spec-error');

/** A sweep that cannot run: what is wrong, naming the axis or field. */
export class SweepSpecError extends MnistLabError {
  readonly [marker] = true;
  override readonly name = 'SweepSpecError';

  /** True for a {@link SweepSpecError} from any copy of this package. */
  static override isInstance(error: unknown): error is SweepSpecError {
    return hasMarker(error, marker);
  }
}

/** A number of `text`, or the error naming `where`. */
function numberOf(text: string, where: string): number {
  const n = Number(text);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text.trim()) || !Number.isFinite(n))
    throw new SweepSpecError(`${where}: expected a decimal number, got '${text}'`);
  return n;
}

/** `log:0.0001..1:7` (evenly spaced in log) or `linear:0..0.9:4`: the values of a range. */
function range(kind: string, body: string, where: string): number[] {
  const m = /^(.+)\.\.(.+):(\d+)$/.exec(body);
  if (m === null)
    throw new SweepSpecError(`${where}: expected ${kind}:FROM..TO:COUNT, got '${kind}:${body}'`);
  const [from, to] = [numberOf(m[1] as string, where), numberOf(m[2] as string, where)];
  const count = Number(m[3]);
  if (count < 2 || count > SWEEP_LIMITS.maxValues)
    throw new SweepSpecError(
      `${where}: COUNT must be 2 to ${SWEEP_LIMITS.maxValues}, got ${count}`,
    );
  if (kind === 'log' && (from <= 0 || to <= 0))
    throw new SweepSpecError(`${where}: a log range needs FROM and TO above 0`);
  const at = (i: number) =>
    kind === 'log'
      ? Math.exp(Math.log(from) + ((Math.log(to) - Math.log(from)) * i) / (count - 1))
      : from + ((to - from) * i) / (count - 1);
  // Rounded to 6 significant digits: log:0.0001..1:5 gives 0.001, not 0.0010000000000000002.
  return Array.from({ length: count }, (_, i) => Number(at(i).toPrecision(6)));
}

/** One value of an axis, as its field takes it: `true`, `relu`, `512x256`, `0.01`. */
function axisValue(field: SweepField, text: string, where: string): SweepValue {
  const t = text.trim();
  if (field === 'batchNorm') {
    if (t !== 'true' && t !== 'false')
      throw new SweepSpecError(`${where}: expected true or false, got '${t}'`);
    return t === 'true';
  }
  if (field === 'hidden')
    return t.split('x').map((w) => numberOf(w, `${where} (widths as 512x256)`));
  if (['activation', 'init', 'optimizer', 'preset'].includes(field)) return t;
  return numberOf(t, where);
}

/**
 * One `--vary FIELD=VALUES` flag as an axis: `lr=0.001,0.01,0.1`, `lr=log:0.0001..1:7`,
 * `momentum=linear:0..0.9:4`, `hidden=512x256,256x128`, `batchNorm=true,false`.
 */
export function parseAxis(text: string): { field: SweepField; values: SweepValue[] } {
  const eq = text.indexOf('=');
  const field = text.slice(0, eq).trim();
  const where = `--vary ${text}`;
  if (eq < 0 || !(SWEEP_FIELDS as readonly string[]).includes(field))
    throw new SweepSpecError(
      `${where}: expected FIELD=VALUES with FIELD one of ${SWEEP_FIELDS.join(', ')}`,
    );
  const f = field as SweepField;
  const body = text.slice(eq + 1).trim();
  const kind = /^(log|linear):/.exec(body)?.[1];
  const values =
    kind !== undefined
      ? range(kind, body.slice(kind.length + 1), where)
      : body.split(',').map((v) => axisValue(f, v, where));
  if (values.length === 0 || values.length > SWEEP_LIMITS.maxValues)
    throw new SweepSpecError(
      `${where}: 1 to ${SWEEP_LIMITS.maxValues} values, got ${values.length}`,
    );
  return { field: f, values };
}

/** A stable id: FNV-1a (64 bits) over the canonical JSON of a run spec, as 16 hex digits. */
export function runSpecId(spec: RunSpec): string {
  const canonical = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : typeof v === 'object' && v !== null
        ? `{${Object.keys(v)
            .sort()
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined && k !== 'out')
            .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
            .join(',')}}`
        : JSON.stringify(v);
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(canonical(spec))) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * The points of a sweep: every combination (grid), or `samples` distinct combinations drawn with
 * `sampleSeed` (random: a partial Fisher–Yates shuffle of the grid's indices, never the grid itself).
 */
function points(spec: SweepSpec): Record<string, SweepValue>[] {
  if (spec.mode === 'random') {
    if (spec.samples === undefined)
      throw new SweepSpecError('--mode random: give --samples N, the number of points to draw');
    const size = spec.axes.reduce((n, a) => n * a.values.length, 1);
    if (spec.samples >= size)
      throw new SweepSpecError(
        `--samples ${spec.samples}: the axes have only ${size} combinations; draw fewer, or use --mode grid for all of them`,
      );
    const rng = new Rng(spec.sampleSeed);
    const swapped = new Map<number, number>();
    const at = (i: number) => swapped.get(i) ?? i;
    return Array.from({ length: spec.samples }, (_, i) => {
      const j = i + Math.floor(rng.nextFloat() * (size - i));
      const index = at(j);
      swapped.set(j, at(i));
      // The index in mixed radix, the first axis slowest (as the grid's order).
      let rest = index;
      const point: Record<string, SweepValue> = {};
      for (const a of [...spec.axes].reverse()) {
        point[a.field] = a.values[rest % a.values.length] as SweepValue;
        rest = Math.floor(rest / a.values.length);
      }
      return Object.fromEntries(spec.axes.map((a) => [a.field, point[a.field] as SweepValue]));
    });
  }
  return spec.axes.reduce<Record<string, SweepValue>[]>(
    (acc, axis) =>
      acc.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.field]: v as SweepValue }))),
    [{}],
  );
}

/**
 * Every run of a sweep, each validated by the run spec's own schema and the network builder's
 * limits before anything runs: a bad value, or more than {@link SWEEP_LIMITS}' runs, is a
 * {@link SweepSpecError} naming it. Runs of the same settings (an axis listing a value twice) run once.
 */
export function expandSweep(input: SweepSpecInput): SweepRun[] {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SweepSpecError(
      `sweep spec: at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const spec = parsed.data;
  // Counted before the grid is built: four axes of 100 values would be 10⁸ points.
  const planned =
    (spec.mode === 'random'
      ? (spec.samples ?? 0)
      : spec.axes.reduce((n, a) => n * a.values.length, 1)) * spec.seeds;
  if (planned > SWEEP_LIMITS.maxRuns)
    throw new SweepSpecError(
      `the sweep would make ${planned} runs; at most ${SWEEP_LIMITS.maxRuns} (fewer values, axes or seeds)`,
    );
  const runs = new Map<string, SweepRun>();
  for (const point of points(spec))
    for (let seed = 1; seed <= spec.seeds; seed++) {
      const r = parseRunSpec({ ...spec.base, ...point, seed } as RunSpecInput);
      const at = Object.entries(point)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ');
      if (!r.ok)
        throw new SweepSpecError(
          `the run at ${at}: ${r.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; ')}`,
        );
      try {
        parseMlpConfig(modelFromSpec(r.spec));
      } catch (error) {
        throw new SweepSpecError(`the run at ${at}: ${(error as Error).message}`);
      }
      const id = runSpecId(r.spec);
      if (!runs.has(id)) runs.set(id, { id, point, seed, spec: r.spec });
    }
  return [...runs.values()];
}
