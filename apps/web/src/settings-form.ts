import { $ } from './dom';
import { onLanguage } from './i18n';
import {
  ACTIVATIONS,
  INITS,
  PRESET_SETTINGS,
  type PresetName,
  type RunSettings,
  settingsFromQuery,
  settingsToQuery,
} from './settings';
import { words } from './words';

/** The knobs that are plain number inputs, named as the settings and the inputs' ids are. */
const NUMBER_KNOBS = [
  'dropout',
  'lr',
  'momentum',
  'batchSize',
  'epochs',
  'seed',
  'trainSize',
  'testSize',
] as const;

/**
 * The settings form: shows the settings the URL holds, keeps the URL (and the share link) in step
 * with the form, and applies a preset's network when one is picked. The form is read through
 * `settingsFromQuery`, so it obeys the same bounds as a shared link. `?backend=…` asks for one
 * backend and stays in shared links; so does `?wasmThreads=N` (1 to 16), wasm's threads where the
 * page is cross-origin isolated.
 */
export function settingsForm(form: HTMLFormElement): {
  read: () => RunSettings;
  preferredBackend: string | undefined;
  wasmThreads: number | undefined;
} {
  const fill = (select: HTMLSelectElement, values: readonly string[], text = (v: string) => v) => {
    const chosen = select.value;
    select.replaceChildren(...values.map((v) => new Option(text(v), v)));
    if (chosen !== '') select.value = chosen;
  };
  fill($('activation'), ACTIVATIONS);
  const fillInits = () => fill($('init'), INITS, (v) => words().initName(v));
  fillInits();
  onLanguage(fillInits);

  const show = (s: RunSettings) => {
    for (const input of form.querySelectorAll<HTMLInputElement>('input[name="preset"]'))
      input.checked = input.value === s.preset;
    $<HTMLSelectElement>('activation').value = s.activation;
    $<HTMLSelectElement>('init').value = s.init;
    $<HTMLInputElement>('batchNorm').checked = s.batchNorm;
    $<HTMLInputElement>('hidden').value = s.hidden.join(',');
    for (const key of NUMBER_KNOBS) $<HTMLInputElement>(key).value = String(s[key]);
  };
  const read = (): RunSettings => {
    const params = new URLSearchParams();
    const preset =
      form.querySelector<HTMLInputElement>('input[name="preset"]:checked')?.value ?? 'relu';
    params.set('preset', preset);
    params.set('activation', $<HTMLSelectElement>('activation').value);
    params.set('init', $<HTMLSelectElement>('init').value);
    params.set('batchNorm', String($<HTMLInputElement>('batchNorm').checked));
    params.set('hidden', $<HTMLInputElement>('hidden').value.replace(/\s/g, ''));
    for (const key of NUMBER_KNOBS) params.set(key, $<HTMLInputElement>(key).value);
    return settingsFromQuery(params.toString());
  };
  const preferredBackend = new URLSearchParams(location.search).get('backend') ?? undefined;
  const threads = Number(new URLSearchParams(location.search).get('wasmThreads'));
  const wasmThreads =
    Number.isInteger(threads) && threads >= 1 && threads <= 16 ? threads : undefined;
  const syncUrl = () => {
    // The settings, and what the page keeps beside them: the backend asked for, the language,
    // the sweep panel's axes.
    const kept = new URLSearchParams();
    const current = new URLSearchParams(location.search);
    if (preferredBackend !== undefined) kept.set('backend', preferredBackend);
    if (wasmThreads !== undefined) kept.set('wasmThreads', String(wasmThreads));
    for (const key of ['lang', 'sweep', 'seeds', 'sweepWorkers']) {
      const value = current.get(key);
      if (value !== null) kept.set(key, value);
    }
    const query = `${settingsToQuery(read())}${kept.size > 0 ? `&${kept.toString()}` : ''}`;
    history.replaceState(null, '', `?${query}`);
    $<HTMLAnchorElement>('share-link').href = `?${query}`;
  };
  show(settingsFromQuery(location.search));
  syncUrl();
  form.addEventListener('change', (e) => {
    const target = e.target as HTMLInputElement;
    if (target.name === 'preset')
      show({
        ...read(),
        ...PRESET_SETTINGS[target.value as PresetName],
        preset: target.value as PresetName,
      });
    syncUrl();
  });
  return { read, preferredBackend, wasmThreads };
}
