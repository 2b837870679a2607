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
  type RunSpec,
  runSpecSchema,
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
  /** Chapter runs: probe every N steps (the mechanism charts). */
  readonly probeEvery?: number;
  /** Chapter runs: also measure the first N training examples in eval mode each epoch. */
  readonly trainEval?: number;
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

/**
 * A dataset of the user's own: each of its four IDX files at most 256 MB, as chosen and once
 * decompressed (EMNIST digits' training images, the largest such file people use, are 188 MB);
 * kept in this browser across reloads when its four files, as chosen, take at most 256 MB. A
 * dataset of images: at most 70000 PNG or JPEG files of at most 4 MB and 16 megapixels each.
 */
export const WEB_DATA_LIMITS = {
  fileBytes: 256 * 2 ** 20,
  keptBytes: 256 * 2 ** 20,
  /** A dataset of images (a folder, or a zip): MNIST's count, each image's file and size. */
  images: 70_000,
  imageBytes: 4 * 2 ** 20,
  imageSide: 4096,
  imagePixels: 2 ** 24,
  /** All a zip's files once inflated. */
  zipInflatedBytes: 512 * 2 ** 20,
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

/**
 * Reads settings from a URL query string so that a run can be shared as a link. Each field is
 * checked by the run spec's own schema (`@mnist-lab/lesson`, the CLI's rules) and `WEB_LIMITS`. Values that are
 * missing or not valid (outside {@link WEB_LIMITS}, a seed that is no safe integer) fall back to
 * the preset's and then the lesson's, so a hand-edited link never breaks the page. The form is
 * read through this same function, so both obey the same rules.
 */
export function settingsFromQuery(query: string): RunSettings {
  const params = new URLSearchParams(query);
  const preset = field('preset', params.get('preset')) ?? DEFAULT_SETTINGS.preset;
  const base: RunSettings = { ...DEFAULT_SETTINGS, ...PRESET_SETTINGS[preset], preset };
  const number = (raw: string | null) =>
    raw === null || raw.trim() === '' ? undefined : Number(raw);
  const pick = <K extends WebKey>(
    key: K,
    raw: unknown,
    ok: (v: NonNullable<RunSpec[K]>) => boolean,
  ) => {
    const value = raw === null || raw === undefined ? undefined : field(key, raw);
    return value !== undefined && ok(value) ? value : base[key];
  };
  const hidden = params.get('hidden');
  const batchNorm = params.get('batchNorm');
  const within = (max: number) => (n: number) => n <= max;
  return {
    preset,
    activation: pick('activation', params.get('activation'), () => true),
    dropout: pick('dropout', number(params.get('dropout')), () => true),
    batchNorm: pick(
      'batchNorm',
      batchNorm === 'true' ? true : batchNorm === 'false' ? false : undefined,
      () => true,
    ),
    init: pick('init', params.get('init'), (v) => (INITS as readonly string[]).includes(v)),
    hidden: pick(
      'hidden',
      hidden === null ? undefined : hidden.split(',').map(Number),
      hiddenWithinLimits,
    ),
    epochs: pick('epochs', number(params.get('epochs')), within(WEB_LIMITS.maxEpochs)),
    batchSize: pick('batchSize', number(params.get('batchSize')), within(WEB_LIMITS.maxBatchSize)),
    lr: pick('lr', number(params.get('lr')), within(10)),
    momentum: pick('momentum', number(params.get('momentum')), () => true),
    seed: pick('seed', number(params.get('seed')), Number.isSafeInteger),
    trainSize: pick('trainSize', number(params.get('trainSize')), within(60000)),
    testSize: pick('testSize', number(params.get('testSize')), within(10000)),
  } as RunSettings;
}

/** The settings a run in the lab takes, by their run-spec names. */
type WebKey = keyof RunSettings;

/**
 * One field checked by the run spec's own schema (`@mnist-lab/lesson`): the same rule as the CLI's
 * flags and config files. Undefined when the value does not pass.
 */
function field<K extends WebKey>(key: K, value: unknown): NonNullable<RunSpec[K]> | undefined {
  const result = runSpecSchema.shape[key].safeParse(value);
  return result.success && result.data !== undefined
    ? (result.data as NonNullable<RunSpec[K]>)
    : undefined;
}

/** Writes settings as a query string (without `?`), the inverse of {@link settingsFromQuery}. */
export function settingsToQuery(settings: RunSettings): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings))
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  return params.toString();
}

/** The page's settings for a run spec (the lab's bounds apply, field by field). */
export function settingsOfSpec(spec: Readonly<Record<string, unknown>>): RunSettings {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(spec))
    if (v !== undefined) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  return settingsFromQuery(q.toString());
}
