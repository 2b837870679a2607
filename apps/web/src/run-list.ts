import type { EpochRecord, ProbeRecord } from '@mnist-lab/trainer';
import type { DatasetIdentity } from './dataset-identity';
import { $ } from './dom';
import type { FromWorker } from './protocol';
import type { RunSettings } from './settings';
import { words } from './words';

const COLORS = [
  '#0b5cad',
  '#c62828',
  '#2e7d32',
  '#6a1b9a',
  '#ef6c00',
  '#00838f',
  '#5d4037',
  '#ad1457',
];

/** One run of the lab, as the page keeps it. */
export interface Run {
  readonly id: number;
  readonly settings: RunSettings;
  /** What the run is, in a few words (`relu`, or a chapter's `relu, no dropout`). */
  readonly label: string;
  readonly color: string;
  /** `waiting`: a sweep's run that no worker has taken yet. */
  state: 'waiting' | 'running' | 'paused' | 'stopped' | 'done' | 'failed';
  /** Why a failed run failed. */
  failure?: string;
  /** Where a run not trained in this page came from: kept in this browser, or a model file. */
  readonly origin?: { readonly kind: 'kept' | 'file'; readonly file?: string };
  /** Its key in this browser's store once kept there (IndexedDB). */
  key?: number;
  /** The data it trained on (a run of this page, or kept); none for a model from a file. */
  dataset?: DatasetIdentity;
  readonly epochs: EpochRecord[];
  readonly losses: { x: number; y: number }[];
  /** Probes (chapter runs): what the mechanism charts draw. */
  readonly probes: ProbeRecord[];
  /** Samples per second at the newest report, and the examples done (for the ETA). */
  speed?: { samplesPerSecond: number; done: number };
  inspection?: Extract<FromWorker, { type: 'inspection' }>;
  readonly item: HTMLLIElement;
}

/** A run that did not train in this page: kept in this browser, or a model from a file. */
export interface RestoredRun {
  readonly origin: NonNullable<Run['origin']>;
  readonly epochs?: readonly EpochRecord[];
  readonly losses?: readonly { x: number; y: number }[];
  readonly key?: number;
  readonly dataset?: DatasetIdentity;
}

/**
 * The runs side by side: each a line in the list (its state, its accuracy, why it failed, whether
 * it is kept in this browser), one of them selected for the results, and the Start, Pause and
 * Stop buttons in step with them.
 */
export class RunList {
  readonly runs: Run[] = [];
  selected: Run | undefined;
  /** Whether the data is there to train on (Start waits for it). */
  ready = false;
  private nextId = 1;
  private colors = 0;

  constructor(
    private readonly onSelect: (run: Run | undefined) => void,
    private readonly onForget: (run: Run) => void,
  ) {}

  /** A run id no run has, for a run the worker makes first (a model file). */
  reserveId(): number {
    return this.nextId++;
  }

  /** Adds a run, running (or done, when restored), and selects it. */
  add(
    settings: RunSettings,
    label: string = settings.preset,
    restored?: RestoredRun,
    id = this.reserveId(),
  ): Run {
    const item = document.createElement('li');
    $('runs').append(item);
    const run: Run = {
      id,
      settings,
      label,
      color: COLORS[this.colors++ % COLORS.length] as string,
      state: restored === undefined ? 'running' : 'done',
      epochs: [...(restored?.epochs ?? [])],
      losses: [...(restored?.losses ?? [])],
      probes: [],
      item,
      ...(restored === undefined ? {} : { origin: restored.origin }),
      ...(restored?.key === undefined ? {} : { key: restored.key }),
      ...(restored?.dataset === undefined ? {} : { dataset: restored.dataset }),
    };
    this.runs.push(run);
    this.select(run);
    return run;
  }

  /** Takes a run off the list (it was forgotten); the newest left is selected. */
  remove(run: Run): void {
    const at = this.runs.indexOf(run);
    if (at < 0) return;
    this.runs.splice(at, 1);
    run.item.remove();
    if (this.compared.delete(run.id)) this.onCompare();
    if (this.selected === run) {
      this.selected = this.runs.at(-1);
      for (const r of this.runs) this.render(r);
      this.onSelect(this.selected);
    }
  }

  byId(id: number): Run | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** The first run that is running or paused, if any. */
  active(): Run | undefined {
    return this.allActive()[0];
  }

  /** Every run that is running, paused or waiting (a chapter's pair, a sweep's runs). */
  allActive(): Run[] {
    return this.runs.filter(
      (r) => r.state === 'running' || r.state === 'paused' || r.state === 'waiting',
    );
  }

  /** The runs ticked for comparison, by id. */
  readonly compared = new Set<number>();
  /** Called when the ticked runs change. */
  onCompare: () => void = () => {};
  /**
   * Called after runs' lines are drawn again (their states or figures changed): once for all the
   * lines drawn in one go (selecting a run redraws every line).
   */
  onChange: () => void = () => {};
  private changeQueued = false;

  /** {@link RunList.onChange}, once at the end of the current task however many lines it drew. */
  private changed(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this.onChange();
    });
  }

  select(run: Run): void {
    this.selected = run;
    for (const r of this.runs) this.render(r);
    this.onSelect(run);
  }

  /** Ends a sweep's run that no worker has taken: it will not train. */
  stopWaiting(run: Run): void {
    run.state = 'stopped';
    this.render(run);
  }

  /** Ends a run as failed and says why; the buttons are free for the next run. */
  fail(run: Run, message: string): void {
    run.state = 'failed';
    run.failure = message;
    this.render(run);
    this.setButtons();
  }

  render(run: Run): void {
    const last = run.epochs.at(-1)?.validation?.accuracy;
    run.item.replaceChildren();
    const radio = Object.assign(document.createElement('input'), {
      type: 'radio',
      name: 'selected-run',
      checked: run === this.selected,
    });
    radio.addEventListener('change', () => this.select(run));
    const label = document.createElement('label');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = run.color;
    const w = words();
    const name = w.network(run.label);
    const what =
      run.origin?.kind === 'file'
        ? w.runFromFile(name, run.origin.file ?? '')
        : `${w.runOf(name, run.settings.epochs, run.settings.seed)}${run.dataset !== undefined && run.dataset.name !== 'mnist' ? `, ${run.dataset.name}` : ''}`;
    const state = run.origin?.kind === 'file' && run.state === 'done' ? 'ready' : run.state;
    label.append(
      radio,
      swatch,
      w.runLine(run.id, what, w.state(state), last, run.key !== undefined),
    );
    const tick = Object.assign(document.createElement('input'), {
      type: 'checkbox',
      className: 'compare-tick',
      checked: this.compared.has(run.id),
    });
    tick.setAttribute('aria-label', w.compareRun(run.id));
    tick.addEventListener('change', () => {
      if (tick.checked) this.compared.add(run.id);
      else this.compared.delete(run.id);
      this.onCompare();
    });
    run.item.append(tick, label);
    run.item.dataset.state = run.state;
    this.changed();
    if (run.key !== undefined) {
      const forget = Object.assign(document.createElement('button'), {
        type: 'button',
        className: 'secondary',
        textContent: w.forget,
        title: w.forgetTitle,
      });
      forget.addEventListener('click', () => this.onForget(run));
      run.item.append(forget);
    }
    if (run.failure !== undefined) {
      const why = Object.assign(document.createElement('p'), {
        className: 'error',
        textContent: run.failure,
      });
      run.item.append(why);
    }
  }

  setButtons(): void {
    const active = this.active();
    $<HTMLButtonElement>('start').disabled = !this.ready || active !== undefined;
    $<HTMLButtonElement>('pause').disabled = active === undefined;
    $<HTMLButtonElement>('pause').textContent =
      active?.state === 'paused' ? words().resume : words().pause;
    $<HTMLButtonElement>('stop').disabled = active === undefined;
  }
}
