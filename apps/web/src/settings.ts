import {
  ACTIVATION_NAMES,
  type ActivationName,
  INIT_NAMES,
  type InitName,
  linearParameterCount,
} from '@mnist-lab/layers';
import {
  LESSON_PRESET_NAMES,
  LESSON_PRESETS,
  LESSON_RECIPE,
  type LessonPreset,
} from '@mnist-lab/lesson';

/** The lesson's four networks, as the page offers them. */
export const PRESET_NAMES: readonly LessonPreset[] = LESSON_PRESET_NAMES;
export type PresetName = LessonPreset;

export const ACTIVATIONS: readonly ActivationName[] = ACTIVATION_NAMES;
/** The initializers that need no parameter. */
export const INITS = INIT_NAMES.filter((n) => n !== 'constant' && n !== 'zeros' && n !== 'ones');

/** Every knob of one run, as the controls and the URL hold them. */
export interface RunSettings {
  readonly preset: PresetName;
  readonly activation: ActivationName;
  readonly dropout: number;
  readonly batchNorm: boolean;
  readonly init: InitName;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly momentum: number;
  readonly seed: number;
  /** Train on the first N examples (60000: all). */
  readonly trainSize: number;
  /** Evaluate on the first N test examples (10000: all). */
  readonly testSize: number;
}

/** What each preset sets (the lesson's networks); the other knobs keep their values. */
export const PRESET_SETTINGS: Readonly<
  Record<PresetName, Pick<RunSettings, 'activation' | 'dropout' | 'batchNorm' | 'init'>>
> = LESSON_PRESETS;

/** The lesson's ReLU network and training: SGD(0.01, momentum 0.5), batch 32, 10 epochs. */
export const DEFAULT_SETTINGS: RunSettings = {
  preset: 'relu',
  ...PRESET_SETTINGS.relu,
  hidden: LESSON_RECIPE.hidden,
  epochs: LESSON_RECIPE.epochs,
  batchSize: LESSON_RECIPE.batchSize,
  lr: LESSON_RECIPE.lr,
  momentum: LESSON_RECIPE.momentum,
  seed: LESSON_RECIPE.seed,
  trainSize: 60000,
  testSize: 10000,
};

/**
 * What one run in a browser tab may ask for, from the form or from a shared link alike: a link
 * with 200 hidden layers of 4096 units would take gigabytes before the page could say no.
 */
export const WEB_LIMITS = {
  maxHiddenLayers: 8,
  maxHiddenWidth: 4096,
  /** Weights and biases in all (the lesson's network has 535 818): 40 MB of float32. */
  maxParameters: 10_000_000,
  maxEpochs: 100,
  maxBatchSize: 4096,
} as const;

/** True when hidden widths make a network within {@link WEB_LIMITS} (784 inputs, 10 classes). */
export function hiddenWithinLimits(hidden: readonly number[]): boolean {
  return (
    hidden.length >= 1 &&
    hidden.length <= WEB_LIMITS.maxHiddenLayers &&
    hidden.every((n) => Number.isInteger(n) && n >= 1 && n <= WEB_LIMITS.maxHiddenWidth) &&
    linearParameterCount([LESSON_RECIPE.inputSize, ...hidden, LESSON_RECIPE.numClasses]) <=
      WEB_LIMITS.maxParameters
  );
}

const oneOf = <T extends string>(choices: readonly T[], value: string | null, fallback: T): T =>
  choices.find((c) => c === value) ?? fallback;

/**
 * Reads settings from a URL query string so that a run can be shared as a link. Values that are
 * missing or not valid (outside {@link WEB_LIMITS}, a seed that is no safe integer) fall back to
 * the preset's and then the lesson's, so a hand-edited link never breaks the page. The form is
 * read through this same function, so both obey the same rules.
 */
export function settingsFromQuery(query: string): RunSettings {
  const params = new URLSearchParams(query);
  const num = (key: keyof RunSettings, fallback: number, ok: (n: number) => boolean) => {
    const raw = params.get(key);
    const value = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isFinite(value) && ok(value) ? value : fallback;
  };
  const preset = oneOf(PRESET_NAMES, params.get('preset'), DEFAULT_SETTINGS.preset);
  const base = { ...DEFAULT_SETTINGS, ...PRESET_SETTINGS[preset], preset };
  const hiddenRaw = params.get('hidden');
  const hidden = hiddenRaw === null ? base.hidden : hiddenRaw.split(',').map(Number);
  const batchNorm = params.get('batchNorm');
  return {
    preset,
    activation: oneOf(ACTIVATIONS, params.get('activation'), base.activation),
    dropout: num('dropout', base.dropout, (n) => n >= 0 && n < 1),
    batchNorm: batchNorm === 'true' ? true : batchNorm === 'false' ? false : base.batchNorm,
    init: oneOf(INITS, params.get('init'), base.init),
    hidden: hiddenWithinLimits(hidden) ? hidden : base.hidden,
    epochs: num(
      'epochs',
      base.epochs,
      (n) => Number.isInteger(n) && n >= 1 && n <= WEB_LIMITS.maxEpochs,
    ),
    batchSize: num(
      'batchSize',
      base.batchSize,
      (n) => Number.isInteger(n) && n >= 1 && n <= WEB_LIMITS.maxBatchSize,
    ),
    lr: num('lr', base.lr, (n) => n > 0 && n <= 10),
    momentum: num('momentum', base.momentum, (n) => n >= 0 && n < 1),
    seed: num('seed', base.seed, Number.isSafeInteger),
    trainSize: num('trainSize', base.trainSize, (n) => Number.isInteger(n) && n >= 1 && n <= 60000),
    testSize: num('testSize', base.testSize, (n) => Number.isInteger(n) && n >= 1 && n <= 10000),
  };
}

/** Writes settings as a query string (without `?`), the inverse of {@link settingsFromQuery}. */
export function settingsToQuery(settings: RunSettings): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings))
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  return params.toString();
}
