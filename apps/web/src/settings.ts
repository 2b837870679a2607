/** The knobs of one run, as the page's controls and its URL hold them. */
export interface RunSettings {
  readonly preset: 'sigmoid' | 'relu' | 'bn' | 'he';
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly momentum: number;
  readonly seed: number;
}

/** The lesson's settings: the ReLU network, 10 epochs of SGD(0.01, momentum 0.5) at batch 32. */
export const DEFAULT_SETTINGS: RunSettings = {
  preset: 'relu',
  epochs: 10,
  batchSize: 32,
  lr: 0.01,
  momentum: 0.5,
  seed: 1,
};

const PRESETS: readonly RunSettings['preset'][] = ['sigmoid', 'relu', 'bn', 'he'];

/**
 * Reads settings from a URL query string so that a run can be shared as a link. Values that are
 * missing or not valid fall back to the defaults, so a hand-edited link never breaks the page.
 */
export function settingsFromQuery(query: string): RunSettings {
  const params = new URLSearchParams(query);
  const num = (key: keyof RunSettings, fallback: number, ok: (n: number) => boolean) => {
    const raw = params.get(key);
    const value = raw === null ? Number.NaN : Number(raw);
    return Number.isFinite(value) && ok(value) ? value : fallback;
  };
  const preset = params.get('preset');
  return {
    preset: PRESETS.find((p) => p === preset) ?? DEFAULT_SETTINGS.preset,
    epochs: num('epochs', DEFAULT_SETTINGS.epochs, (n) => Number.isInteger(n) && n >= 1),
    batchSize: num('batchSize', DEFAULT_SETTINGS.batchSize, (n) => Number.isInteger(n) && n >= 1),
    lr: num('lr', DEFAULT_SETTINGS.lr, (n) => n > 0),
    momentum: num('momentum', DEFAULT_SETTINGS.momentum, (n) => n >= 0 && n < 1),
    seed: num('seed', DEFAULT_SETTINGS.seed, Number.isInteger),
  };
}

/** Writes settings as a query string (without `?`), the inverse of {@link settingsFromQuery}. */
export function settingsToQuery(settings: RunSettings): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) params.set(key, String(value));
  return params.toString();
}
