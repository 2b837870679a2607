import {
  finalAccuracy,
  gradientRatio,
  initialSpread,
  LESSON_CLAIMS,
  layerGains,
  overfitSeries,
  preActivationSeries,
  type RunRecord,
  trainingSpeed,
  unitHealth,
} from './mechanisms';
import { type HeNumbers, TEXT } from './readings-text';
import { LESSON_RECIPE } from './recipe';
import { LESSON_RESULTS } from './results';

/** The languages the lesson is written in: the seed's Korean, and English. */
export const LESSON_LANGUAGES = ['en', 'ko'] as const;
/** One of {@link LESSON_LANGUAGES}: `en` or `ko`. */
export type LessonLanguage = (typeof LESSON_LANGUAGES)[number];

/** What a comparison ran: enough to say which caveats apply. */
export interface ReadingSettings {
  readonly epochs: number;
  readonly seeds: number;
  /** Training examples used, or `all` (MNIST's 60000). */
  readonly trainSize: number | 'all';
  /**
   * Where the readings are shown, for the one caveat that points to a control: the CLI's
   * `--seeds` flag, or the browser lab's Seed field. Defaults to `cli`.
   */
  readonly where?: 'cli' | 'lab';
}

/** One plain sentence or two about what a run shows, and which claim it is about. */
export interface Reading {
  readonly topic: keyof typeof LESSON_CLAIMS | 'sigmoid-start' | 'caveats';
  readonly text: string;
}

const has = (runs: readonly RunRecord[], network: string) =>
  runs.some((r) => r.network === network && r.epochs.length > 0);
const probed = (runs: readonly RunRecord[], network: string) =>
  runs.some((r) => r.network === network && r.probes.length > 0);

/**
 * Readings of a comparison, computed from its runs (never canned): for each of the lesson's claims
 * whose pair of networks ran, what the numbers show and why, then the caveats that apply.
 */
export function lessonReadings(
  runs: readonly RunRecord[],
  settings: ReadingSettings,
  lang: LessonLanguage = 'en',
): Reading[] {
  const t = TEXT[lang];
  const out: Reading[] = [];
  const add = (topic: Reading['topic'], text: string | undefined) => {
    if (text !== undefined) out.push({ topic, text });
  };
  if (probed(runs, 'sigmoid') && probed(runs, 'relu')) {
    const sigmoid = gradientRatio(runs, 'sigmoid');
    const relu = gradientRatio(runs, 'relu');
    const saturated = unitHealth(runs, 'sigmoid', 'last').find((l) => l.saturated !== undefined);
    const n = runs.filter((r) => r.network === 'sigmoid').reduce((a, r) => a + r.probes.length, 0);
    if (Number.isFinite(sigmoid) && Number.isFinite(relu))
      add('vanishing-gradient', t.vanishing(sigmoid, relu, n, saturated));
  }
  if (has(runs, 'relu') && has(runs, 'bn')) {
    const layer = (network: string) => {
      const series = preActivationSeries(runs, network);
      const name = [...new Set(series.map((s) => s.layer))].at(-1);
      const of = series.filter((s) => s.layer === name);
      return { name, first: of[0]?.std, last: of.at(-1)?.std };
    };
    add(
      'batch-norm',
      t.batchNorm(
        layer('relu'),
        layer('bn'),
        finalAccuracy(runs, 'bn').mean - finalAccuracy(runs, 'relu').mean,
        trainingSpeed(runs, 'bn') / trainingSpeed(runs, 'relu'),
      ),
    );
  }
  const he = heInit(runs);
  if (he !== undefined) add('he-init', t.he(he));
  if (has(runs, 'relu') && has(runs, 'relu-no-dropout')) {
    const last = (network: string) => overfitSeries(runs, network).at(-1);
    const withDropout = last('relu');
    const without = last('relu-no-dropout');
    if (
      withDropout &&
      without &&
      Number.isFinite(withDropout.train) &&
      Number.isFinite(without.train)
    )
      add('dropout', t.dropout(without, withDropout, settings.epochs));
  }
  const sigmoidFirst = finalAccuracyAt(runs, 'sigmoid', 1);
  const lessonFirst = LESSON_RESULTS.sigmoid[0]?.testAccuracy ?? Number.NaN;
  if (Number.isFinite(sigmoidFirst) && sigmoidFirst < lessonFirst - 0.1)
    add('sigmoid-start', t.sigmoidStart(sigmoidFirst, lessonFirst));
  const caveats = [
    settings.epochs < LESSON_RECIPE.epochs ? t.fewerEpochs(settings.epochs) : undefined,
    settings.trainSize !== 'all' ? t.fewerExamples(settings.trainSize) : undefined,
    settings.seeds === 1 ? t.oneSeed(settings.where ?? 'cli') : undefined,
  ].filter((c): c is string => c !== undefined);
  if (caveats.length > 0) add('caveats', caveats.join(' '));
  return out;
}

function finalAccuracyAt(runs: readonly RunRecord[], network: string, epoch: number): number {
  const values = runs
    .filter((r) => r.network === network)
    .map((r) => r.epochs.find((e) => e.epoch === epoch)?.testAccuracy)
    .filter((v): v is number => typeof v === 'number');
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function heInit(runs: readonly RunRecord[]): HeNumbers | undefined {
  const { with: he, without: bn, control } = LESSON_CLAIMS['he-init'];
  let lesson: HeNumbers['lesson'];
  if (probed(runs, bn) && probed(runs, he)) {
    const a = initialSpread(runs, bn);
    const b = initialSpread(runs, he);
    lesson = {
      bn: a,
      he: b,
      ratios: b.map((l, i) => l.std / (a[i]?.std ?? Number.NaN)),
      accuracyDiff: finalAccuracy(runs, he).mean - finalAccuracy(runs, bn).mean,
    };
  }
  let controlNumbers: HeNumbers['control'];
  if (probed(runs, control.without) && probed(runs, control.with)) {
    controlNumbers = {
      base: initialSpread(runs, control.without),
      he: initialSpread(runs, control.with),
      baseGain: layerGains(runs, control.without).perLayer,
      heGain: layerGains(runs, control.with).perLayer,
    };
  }
  if (lesson === undefined && controlNumbers === undefined) return undefined;
  return {
    ...(lesson === undefined ? {} : { lesson }),
    ...(controlNumbers === undefined ? {} : { control: controlNumbers }),
  };
}
