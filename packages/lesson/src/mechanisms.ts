import type { EpochEventLine, ProbeEventLine } from './events';
import type { LessonPreset } from './presets';
import type { RunSpecInput } from './run-spec';

/**
 * The networks the lesson's claims need besides its four: each is a preset with one or two settings
 * changed, so that one technique is the only difference between two networks. Dropout's claim needs
 * ReLU without it; He initialization's needs ReLU without batch norm (and without dropout, whose
 * scaling would move the spread too), with PyTorch's default weights and with He's.
 */
export const LESSON_CONTROLS = {
  'relu-no-dropout': {
    preset: 'relu',
    change: { dropout: 0 },
    title: 'ReLU without dropout (the control for dropout)',
  },
  'relu-he-no-dropout': {
    preset: 'relu',
    change: { dropout: 0, init: 'he-uniform' },
    title:
      'ReLU without dropout, He uniform (with relu-no-dropout: initialization without batch norm)',
  },
} as const satisfies Record<
  string,
  { preset: LessonPreset; change: Partial<RunSpecInput>; title: string }
>;
/** The name of one of {@link LESSON_CONTROLS}. */
export type LessonControl = keyof typeof LESSON_CONTROLS;

/** A network of a comparison: one of the lesson's four or a control. */
export type ComparedNetwork = LessonPreset | LessonControl;

/** Two networks that differ by one technique: the one `with` it and the one `without`. */
export interface ClaimPair {
  readonly with: ComparedNetwork;
  readonly without: ComparedNetwork;
}

/**
 * The lesson's claims and the pair of networks that shows each: the technique's network against
 * the one without it. Where the lesson's pair cannot show the mechanism, `control` is the pair that
 * can: He initialization's effect on the spread exists without batch norm, which the lesson's pair
 * has and which rescales every layer.
 */
export const LESSON_CLAIMS = {
  'vanishing-gradient': { with: 'sigmoid', without: 'relu' },
  'batch-norm': { with: 'bn', without: 'relu' },
  'he-init': {
    with: 'he',
    without: 'bn',
    control: { with: 'relu-he-no-dropout', without: 'relu-no-dropout' },
  },
  dropout: { with: 'relu', without: 'relu-no-dropout' },
} as const satisfies Record<string, ClaimPair & { control?: ClaimPair }>;
/** The name of one of {@link LESSON_CLAIMS}. */
export type LessonClaim = keyof typeof LESSON_CLAIMS;

/** A claim's control pair, where the lesson's own pair cannot show its mechanism. */
export function claimControl(claim: LessonClaim): ClaimPair | undefined {
  const c: ClaimPair & { control?: ClaimPair } = LESSON_CLAIMS[claim];
  return c.control;
}

/** Every network a claim's chart and reading need: its pair (without, with), then its control pair's. */
export function claimNetworks(claim: LessonClaim): ComparedNetwork[] {
  const { with: a, without: b } = LESSON_CLAIMS[claim];
  const control = claimControl(claim);
  return [b, a, ...(control === undefined ? [] : [control.without, control.with])];
}

/** One run as a comparison saw it: its network, its seed, its epoch and probe events. */
export interface RunRecord {
  readonly network: string;
  readonly seed: number;
  readonly epochs: readonly EpochEventLine[];
  readonly probes: readonly ProbeEventLine[];
}

/** Mean and sample standard deviation over seeds, with the values. */
export interface Spread {
  readonly mean: number;
  readonly std: number;
  readonly values: readonly number[];
}

/** The {@link Spread} of `values`: NaN for both with none, a std of 0 with one. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, values };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), values };
}

const median = (values: readonly number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const runsOf = (runs: readonly RunRecord[], network: string) =>
  runs.filter((r) => r.network === network);

/** The final epoch's test accuracy (a fraction) over a network's seeds. */
export function finalAccuracy(runs: readonly RunRecord[], network: string): Spread {
  return spread(
    runsOf(runs, network)
      .map((r) => r.epochs.at(-1)?.testAccuracy)
      .filter((v): v is number => typeof v === 'number'),
  );
}

/** Per probe step, the mean over seeds of each layer's weight-gradient norm. */
export function gradientSeries(
  runs: readonly RunRecord[],
  network: string,
): { step: number; layer: string; gradNorm: number }[] {
  const bySteps = new Map<string, number[]>();
  for (const r of runsOf(runs, network))
    for (const p of r.probes)
      for (const [name, norm] of Object.entries(p.gradNorm)) {
        if (!name.endsWith('.weight') || !name.startsWith('fc') || norm === null) continue;
        const key = `${p.step}|${name.slice(0, -'.weight'.length)}`;
        bySteps.set(key, [...(bySteps.get(key) ?? []), norm]);
      }
  return [...bySteps].map(([key, norms]) => {
    const [step, layer] = key.split('|') as [string, string];
    return { step: Number(step), layer, gradNorm: spread(norms).mean };
  });
}

/**
 * The first layer's weight-gradient norm over the last's (fc1 over fc3 in the lesson's network):
 * the median over every probe of every seed. Small when the gradient fades on its way back.
 */
export function gradientRatio(runs: readonly RunRecord[], network: string): number {
  const ratios: number[] = [];
  for (const r of runsOf(runs, network))
    for (const p of r.probes) {
      const names = Object.keys(p.gradNorm).filter(
        (n) => n.startsWith('fc') && n.endsWith('.weight'),
      );
      const first = p.gradNorm[names[0] ?? ''];
      const last = p.gradNorm[names.at(-1) ?? ''];
      if (typeof first === 'number' && typeof last === 'number' && last > 0)
        ratios.push(first / last);
    }
  return median(ratios);
}

/** Per probe of the first seed, each hidden layer's pre-activation: mean, std and histogram. */
export function preActivationSeries(
  runs: readonly RunRecord[],
  network: string,
): { step: number; layer: string; mean: number; std: number; histogram: readonly number[] }[] {
  const first = runsOf(runs, network).sort((a, b) => a.seed - b.seed)[0];
  return (first?.probes ?? []).flatMap((p) =>
    Object.entries(p.layers).flatMap(([layer, l]) =>
      l.pre === undefined || l.pre.mean === null || l.pre.std === null
        ? []
        : [
            {
              step: p.step,
              layer,
              mean: l.pre.mean,
              std: l.pre.std,
              histogram: l.pre.histogram ?? [],
            },
          ],
    ),
  );
}

/** At step 0, each layer's linear output's standard deviation (mean over seeds). */
export function initialSpread(
  runs: readonly RunRecord[],
  network: string,
): { layer: string; std: number }[] {
  const byLayer = new Map<string, number[]>();
  for (const r of runsOf(runs, network)) {
    const p = r.probes.find((q) => q.step === 0);
    for (const [layer, l] of Object.entries(p?.layers ?? {}))
      if (l.linear.std !== null) byLayer.set(layer, [...(byLayer.get(layer) ?? []), l.linear.std]);
  }
  return [...byLayer].map(([layer, stds]) => ({ layer, std: spread(stds).mean }));
}

/**
 * How each layer changed the spread at step 0: the ratio of each layer's output spread to the
 * layer before's ({@link initialSpread}), and their geometric mean (the factor per layer). With
 * batch norm this mixes the initialization with the normalization; without, it is the
 * initialization's gain (PyTorch's default ≈ √(1/6) per ReLU layer, He's ≈ 1).
 */
export function layerGains(
  runs: readonly RunRecord[],
  network: string,
): { gains: number[]; perLayer: number } {
  const stds = initialSpread(runs, network).map((l) => l.std);
  const gains = stds.slice(1).map((s, i) => s / (stds[i] as number));
  const first = stds[0];
  const last = stds.at(-1);
  const perLayer =
    gains.length === 0 || first === undefined || last === undefined
      ? Number.NaN
      : (last / first) ** (1 / gains.length);
  return { gains, perLayer };
}

/**
 * Per epoch, accuracy on training examples in eval mode (`--train-eval`) and on the test set,
 * mean over seeds: their gap is how much the network fits its training data beyond what carries over.
 */
export function overfitSeries(
  runs: readonly RunRecord[],
  network: string,
): { epoch: number; train: number; test: number }[] {
  const rs = runsOf(runs, network);
  const epochs = Math.max(0, ...rs.map((r) => r.epochs.length));
  return Array.from({ length: epochs }, (_, i) => {
    const at = rs.map((r) => r.epochs.find((e) => e.epoch === i + 1));
    const pick = (f: (e: EpochEventLine) => number | null | undefined) =>
      spread(
        at
          .map((e) => (e === undefined ? undefined : f(e)))
          .filter((v): v is number => typeof v === 'number'),
      ).mean;
    return {
      epoch: i + 1,
      train: pick((e) => e.trainEvalAccuracy),
      test: pick((e) => e.testAccuracy),
    };
  });
}

/** Training speed: mean samples per second over a network's epochs and seeds. */
export function trainingSpeed(runs: readonly RunRecord[], network: string): number {
  return spread(
    runsOf(runs, network).flatMap((r) =>
      r.epochs.map((e) => e.samplesPerSecond).filter((v): v is number => typeof v === 'number'),
    ),
  ).mean;
}

/** The last probe's fraction of dead (ReLU) or saturated (sigmoid) units per hidden layer, mean over seeds. */
export function unitHealth(
  runs: readonly RunRecord[],
  network: string,
  when: 'first' | 'last',
): { layer: string; dead?: number; saturated?: number }[] {
  const byLayer = new Map<string, { dead: number[]; saturated: number[] }>();
  for (const r of runsOf(runs, network)) {
    const p = when === 'first' ? r.probes[0] : r.probes.at(-1);
    for (const [layer, l] of Object.entries(p?.layers ?? {})) {
      const entry = byLayer.get(layer) ?? { dead: [], saturated: [] };
      if (typeof l.dead === 'number') entry.dead.push(l.dead);
      if (typeof l.saturated === 'number') entry.saturated.push(l.saturated);
      byLayer.set(layer, entry);
    }
  }
  return [...byLayer].flatMap(([layer, e]) =>
    e.dead.length + e.saturated.length === 0
      ? []
      : [
          {
            layer,
            ...(e.dead.length > 0 ? { dead: spread(e.dead).mean } : {}),
            ...(e.saturated.length > 0 ? { saturated: spread(e.saturated).mean } : {}),
          },
        ],
  );
}
