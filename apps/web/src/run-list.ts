import type { EpochRecord, ProbeRecord } from '@mnist-lab/trainer';
import { $ } from './dom';
import type { FromWorker } from './protocol';
import type { RunSettings } from './settings';

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
  state: 'running' | 'paused' | 'stopped' | 'done' | 'failed';
  /** Why a failed run failed. */
  failure?: string;
  readonly epochs: EpochRecord[];
  readonly losses: { x: number; y: number }[];
  /** Probes (chapter runs): what the mechanism charts draw. */
  readonly probes: ProbeRecord[];
  /** Samples per second at the newest report, and the examples done (for the ETA). */
  speed?: { samplesPerSecond: number; done: number };
  inspection?: Extract<FromWorker, { type: 'inspection' }>;
  readonly item: HTMLLIElement;
}

/**
 * The runs side by side: each a line in the list (its state, its accuracy, why it failed), one of
 * them selected for the results, and the Start, Pause and Stop buttons in step with them.
 */
export class RunList {
  readonly runs: Run[] = [];
  selected: Run | undefined;
  /** Whether the data is there to train on (Start waits for it). */
  ready = false;

  constructor(private readonly onSelect: (run: Run) => void) {}

  /** Adds a running run, selects it. */
  add(settings: RunSettings, label: string = settings.preset): Run {
    const item = document.createElement('li');
    $('runs').append(item);
    const run: Run = {
      id: this.runs.length + 1,
      settings,
      label,
      color: COLORS[this.runs.length % COLORS.length] as string,
      state: 'running',
      epochs: [],
      losses: [],
      probes: [],
      item,
    };
    this.runs.push(run);
    this.select(run);
    return run;
  }

  byId(id: number): Run | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** The first run that is running or paused, if any. */
  active(): Run | undefined {
    return this.allActive()[0];
  }

  /** Every run that is running or paused (a chapter's pair runs side by side). */
  allActive(): Run[] {
    return this.runs.filter((r) => r.state === 'running' || r.state === 'paused');
  }

  select(run: Run): void {
    this.selected = run;
    for (const r of this.runs) this.render(r);
    this.onSelect(run);
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
    label.append(
      radio,
      swatch,
      ` run ${run.id}: ${run.label}, ${run.settings.epochs} epoch${run.settings.epochs === 1 ? '' : 's'}, seed ${run.settings.seed} — ${run.state}${last === undefined ? '' : `, ${(last * 100).toFixed(2)}%`}`,
    );
    run.item.append(label);
    run.item.dataset.state = run.state;
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
    $<HTMLButtonElement>('pause').textContent = active?.state === 'paused' ? 'Resume' : 'Pause';
    $<HTMLButtonElement>('stop').disabled = active === undefined;
  }
}
