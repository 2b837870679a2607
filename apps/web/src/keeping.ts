import type { MlpConfig } from '@mnist-lab/layers';
import { $ } from './dom';
import { show } from './i18n';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth';
import { forgetRun, type KeptRun, keepRun, keptModel, keptRuns } from './kept-runs';
import { MAX_MODEL_FILE_BYTES } from './model-file';
import type { FromWorker, ToWorker } from './protocol';
import type { Run, RunList } from './run-list';
import {
  DEFAULT_SETTINGS,
  INITS,
  PRESET_NAMES,
  PRESET_SETTINGS,
  type RunSettings,
} from './settings';
import { words } from './words';

/** The settings shown for a model that was not trained here: its architecture on the lesson's recipe. */
export function settingsFromConfig(config: MlpConfig): RunSettings {
  const same = (p: (typeof PRESET_NAMES)[number]) =>
    PRESET_SETTINGS[p].activation === config.activation &&
    PRESET_SETTINGS[p].batchNorm === config.batchNorm &&
    PRESET_SETTINGS[p].init === config.init;
  return {
    ...DEFAULT_SETTINGS,
    preset: PRESET_NAMES.find(same) ?? DEFAULT_SETTINGS.preset,
    activation: config.activation,
    dropout: config.dropout,
    batchNorm: config.batchNorm,
    init:
      typeof config.init === 'string' && (INITS as readonly string[]).includes(config.init)
        ? config.init
        : DEFAULT_SETTINGS.init,
    hidden: config.hidden,
    seed: config.seed,
    epochs: 0,
  };
}

/**
 * Keeps trained models in this browser (IndexedDB) across reloads, and loads model files onto the
 * draw pad. A run that ends after at least one epoch is kept; a model file becomes a run and is
 * kept too; each kept run has a Forget button. Storage that fails (private mode, a full disk) is
 * said in the status line and changes nothing else.
 */
export class Keeper {
  /** Model files sent to the worker, by the run id reserved for them. */
  private readonly pending = new Map<number, string>();
  /** Kept runs on the list whose models are still in IndexedDB only, by run id. */
  private readonly unloaded = new Map<number, KeptRun>();

  constructor(
    private readonly list: RunList,
    private readonly send: (message: ToWorker) => void,
    private readonly fallback: () => { activation: RunSettings['activation']; dropout: number },
  ) {}

  /** Says `message` (in the page's language, again after a switch) beside the file chooser. */
  private say(message: () => string, error = false): void {
    const status = $('model-file-status');
    show(status, message);
    status.classList.toggle('error', error);
  }

  /** A run reached its end: keep it if it trained at least an epoch (the worker sends the model). */
  ended(run: Run): void {
    if (run.key !== undefined || run.origin !== undefined || run.epochs.length === 0) return;
    this.send({ type: 'export', runId: run.id, format: 'safetensors', keep: true });
  }

  /** The worker's model bytes for a run to keep: stored, and the run says so. */
  async store(run: Run, m: Extract<FromWorker, { type: 'exported' }>): Promise<void> {
    const model = m.files[0]?.bytes;
    if (model === undefined) return;
    const kept = {
      label: run.label,
      keptAt: Date.now(),
      config: m.config,
      epochs: run.epochs,
      losses: run.losses,
      ...(run.dataset === undefined ? {} : { dataset: run.dataset }),
      ...(run.origin?.kind === 'file'
        ? { file: run.origin.file as string }
        : { settings: run.settings }),
    };
    try {
      run.key = await keepRun(kept, model);
      this.list.render(run);
    } catch (error) {
      this.say(() => words().notKept(run.id, (error as Error).message), true);
    }
  }

  /**
   * Puts the runs kept in this browser back on the list from their metadata; a model is read and
   * sent to the worker only when its run is opened ({@link Keeper.opened}), the newest at once.
   */
  async restore(): Promise<void> {
    let kept: KeptRun[];
    try {
      kept = await keptRuns();
    } catch (error) {
      this.say(() => words().keptUnreadable((error as Error).message), true);
      return;
    }
    for (const k of kept) {
      const run = this.list.add(k.settings ?? settingsFromConfig(k.config), k.label, {
        origin: k.file === undefined ? { kind: 'kept' } : { kind: 'file', file: k.file },
        epochs: k.epochs,
        losses: k.losses,
        ...(k.key === undefined ? {} : { key: k.key }),
        ...(k.dataset === undefined ? {} : { dataset: k.dataset }),
      });
      this.unloaded.set(run.id, k);
    }
    await this.opened(this.list.selected);
  }

  /** A run was opened (selected): a kept run's model is read and sent to the worker, once. */
  async opened(run: Run | undefined): Promise<void> {
    const k = run === undefined ? undefined : this.unloaded.get(run.id);
    if (run === undefined || k?.key === undefined) return;
    this.unloaded.delete(run.id);
    let model: Uint8Array | undefined;
    try {
      model = await keptModel(k.key);
    } catch (error) {
      this.say(() => words().modelUnreadable(run.id, (error as Error).message), true);
      return;
    }
    if (model === undefined) return;
    this.send({
      type: 'load',
      runId: run.id,
      name: k.file ?? 'model.safetensors',
      bytes: model,
      config: k.config,
      fallback: this.fallback(),
    });
  }

  /** Model files the user chose: a `.safetensors`, with a CLI model folder's `config.json` or not. */
  async open(files: readonly File[]): Promise<void> {
    const model = files.find((f) => !f.name.endsWith('.json'));
    const configFile = files.find((f) => f.name.endsWith('.json'));
    if (model === undefined) {
      this.say(() => words().chooseModel, true);
      return;
    }
    if (model.size > MAX_MODEL_FILE_BYTES) {
      this.say(() => words().modelTooLarge(model.name, (model.size / 1e6).toFixed(0)), true);
      return;
    }
    let config: unknown;
    if (configFile !== undefined) {
      try {
        if (configFile.size > 1 << 20)
          throw new Error(words().configTooLarge((configFile.size / 1e6).toFixed(1)));
        const text = await configFile.text();
        if (jsonDepth(text) > MAX_JSON_DEPTH)
          throw new Error(words().configTooDeep(MAX_JSON_DEPTH));
        const json = JSON.parse(text) as { model?: unknown };
        config = json.model ?? json;
      } catch (error) {
        this.say(() => words().notAConfig(configFile.name, (error as Error).message), true);
        return;
      }
    }
    const runId = this.list.reserveId();
    this.pending.set(runId, model.name);
    this.say(() => words().reading(model.name));
    const bytes = new Uint8Array(await model.arrayBuffer());
    this.send({
      type: 'load',
      runId,
      name: model.name,
      bytes,
      ...(config === undefined ? {} : { config }),
      fallback: this.fallback(),
    });
  }

  /** The worker built a model: a file's becomes a run (and is kept); a kept run is ready again. */
  loaded(m: Extract<FromWorker, { type: 'loaded' }>): void {
    const file = this.pending.get(m.runId);
    if (file === undefined) return;
    this.pending.delete(m.runId);
    const run = this.list.add(
      settingsFromConfig(m.config),
      m.config.activation,
      { origin: { kind: 'file', file } },
      m.runId,
    );
    const shape = `784-${m.config.hidden.join('-')}-10`;
    const { activation, batchNorm } = m.config;
    this.say(() =>
      words().loadedModel(file, shape, activation, batchNorm, m.architecture === 'shapes'),
    );
    this.send({ type: 'export', runId: run.id, format: 'safetensors', keep: true });
  }

  /** An error for a model file being loaded: said beside the file chooser. True if it was one. */
  failed(runId: number | undefined, message: string): boolean {
    if (runId === undefined || !this.pending.has(runId)) return false;
    this.pending.delete(runId);
    this.say(() => message, true);
    return true;
  }

  /** Forgets a kept run: out of the store, off the list, its model let go. */
  async forget(run: Run): Promise<void> {
    if (run.key !== undefined) {
      try {
        await forgetRun(run.key);
      } catch (error) {
        this.say(() => words().notForgotten(run.id, (error as Error).message), true);
        return;
      }
    }
    this.unloaded.delete(run.id);
    this.list.remove(run);
    this.send({ type: 'forget', runId: run.id });
  }
}
