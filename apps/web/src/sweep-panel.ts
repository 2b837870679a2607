import {
  expandSweep,
  parseAxis,
  type SweepRun,
  type SweepSpec,
  summarizeSweep,
  sweepAccuracyText,
  sweepPointText,
  sweepReadings,
  sweepSpecSchema,
} from '@mnist-lab/lesson';
import type { DatasetIdentity } from './dataset-identity';
import { $ } from './dom';
import { lang, onLanguage, show } from './i18n';
import { specOf } from './results-file';
import type { Run, RunList } from './run-list';
import { type RunSettings, settingsOfSpec } from './settings';
import { sweepWorkerCount, type TrainingWorkers } from './sweep-workers';
import { words } from './words';

const isTraining = (run: Run) => run.state === 'running' || run.state === 'paused';
const isFinished = (run: Run) => run.state === 'done' || run.state === 'failed';

/** The fields a sweep in the lab varies, and how many runs it makes at most. */
export const WEB_SWEEP = {
  fields: ['lr', 'momentum', 'dropout', 'batchSize', 'epochs', 'trainSize'] as const,
  maxRuns: 25,
  maxSeeds: 5,
} as const;

interface Cell {
  readonly runs: { run: Run; sweep: SweepRun }[];
}

/**
 * The sweep panel: two settings over a few values each, and seeds, around the form's settings;
 * every combination trains on as many workers as the device has cores, the heatmap filling in as
 * runs finish (a cell opens its first run), the lesson's recipe marked, and the readings the
 * CLI's report gives, in the page's language. `?sweep=lr:0.01,0.1|momentum:0,0.9&seeds=2` fills it.
 */
export class SweepPanel {
  private cells = new Map<string, Cell>();
  /** The sweep the heatmap shows: set when one starts, not while the panel is being edited. */
  private spec: SweepSpec | undefined;

  constructor(
    private readonly list: RunList,
    private readonly workers: TrainingWorkers,
    private readonly form: () => RunSettings,
    private readonly backend: () => string | undefined,
    /** The dataset the page trains on now: a sweep runs on the built-in MNIST only. */
    private readonly dataset: () => DatasetIdentity | undefined,
    private readonly download: (format: 'jsonl' | 'csv', runs: Run[]) => void,
  ) {
    for (const format of ['jsonl', 'csv'] as const)
      $(`sweep-${format}`).addEventListener('click', () =>
        this.download(format, this.runs().filter(isFinished)),
      );
    for (const i of [1, 2]) {
      const select = $<HTMLSelectElement>(`sweep-field-${i}`);
      select.replaceChildren(...WEB_SWEEP.fields.map((f) => new Option(words().field(f), f)));
      select.value = i === 1 ? 'lr' : 'momentum';
    }
    this.fromUrl();
    for (const id of [
      'sweep-field-1',
      'sweep-values-1',
      'sweep-field-2',
      'sweep-values-2',
      'sweep-seeds',
    ])
      $(id).addEventListener('change', () => this.link());
    // After the form's own listener has put its settings in the address.
    $('settings').addEventListener('change', () => this.link());
    this.link();
    $('sweep-run').addEventListener('click', () => void this.run());
    onLanguage(() => {
      for (const option of document.querySelectorAll<HTMLOptionElement>('[id^=sweep-field] option'))
        option.textContent = words().field(option.value);
      this.render();
    });
  }

  /** The panel's axes and seeds from `?sweep=…&seeds=…`, when the URL has them. */
  private fromUrl(): void {
    const q = new URLSearchParams(location.search);
    const axes = (q.get('sweep') ?? '').split('|').filter((a) => a.includes(':'));
    for (const [i, axis] of axes.slice(0, 2).entries()) {
      const [field = '', values = ''] = axis.split(':', 2);
      if (!(WEB_SWEEP.fields as readonly string[]).includes(field)) continue;
      $<HTMLSelectElement>(`sweep-field-${i + 1}`).value = field;
      $<HTMLInputElement>(`sweep-values-${i + 1}`).value = values.slice(0, 200);
    }
    const seeds = Number(q.get('seeds'));
    if (Number.isInteger(seeds) && seeds >= 1 && seeds <= WEB_SWEEP.maxSeeds)
      $<HTMLInputElement>('sweep-seeds').value = String(seeds);
  }

  /** The link to this sweep: the page's URL with the panel's axes and seeds (the address too). */
  private link(): void {
    const url = new URL(location.href);
    const axis = (i: number) =>
      `${$<HTMLSelectElement>(`sweep-field-${i}`).value}:${$<HTMLInputElement>(`sweep-values-${i}`).value.replace(/\s/g, '')}`;
    url.searchParams.set('sweep', `${axis(1)}|${axis(2)}`);
    url.searchParams.set('seeds', $<HTMLInputElement>('sweep-seeds').value);
    history.replaceState(null, '', url.search);
    $<HTMLAnchorElement>('sweep-link').href = url.search;
  }

  /** The sweep's runs from the panel, checked as the CLI checks `--vary`; or why not. */
  private plan(): { spec: SweepSpec; runs: SweepRun[] } | string {
    try {
      const axes = [1, 2].map((i) =>
        parseAxis(
          `${$<HTMLSelectElement>(`sweep-field-${i}`).value}=${$<HTMLInputElement>(`sweep-values-${i}`).value}`,
        ),
      );
      if (axes[0]?.field === axes[1]?.field) return words().sweepSameField;
      const seeds = Number($<HTMLInputElement>('sweep-seeds').value);
      if (!Number.isInteger(seeds) || seeds < 1 || seeds > WEB_SWEEP.maxSeeds)
        return words().sweepSeeds(WEB_SWEEP.maxSeeds);
      const { seed: _seed, ...base } = specOf(this.form(), undefined);
      const spec = sweepSpecSchema.parse({ base, axes, seeds, mode: 'grid' });
      const runs = expandSweep(spec);
      if (runs.length > WEB_SWEEP.maxRuns)
        return words().sweepTooMany(runs.length, WEB_SWEEP.maxRuns);
      return { spec, runs };
    } catch (error) {
      return (error as Error).message;
    }
  }

  private async run(): Promise<void> {
    const backend = this.backend();
    if (!this.list.ready || this.list.active() !== undefined) return;
    const plan = this.plan();
    const status = $('sweep-status');
    const mnist = this.dataset();
    const onMnist = mnist?.name === 'mnist';
    status.classList.toggle('error', typeof plan === 'string' || !onMnist);
    if (!onMnist) return show(status, () => words().sweepMnistOnly);
    if (typeof plan === 'string') return show(status, () => plan);
    if (backend === undefined || this.workers.busy) return;
    const count = Math.min(sweepWorkerCount(), plan.runs.length);
    this.workers.start(count, backend);
    this.spec = plan.spec;
    this.cells = new Map();
    for (const sweep of plan.runs) {
      const key = sweepPointText(sweep.point);
      const run = this.list.add(settingsOfSpec(sweep.spec), key);
      run.state = 'waiting';
      // Named on the run, its results line and its download, as a run of the form's is.
      run.dataset = mnist;
      this.list.render(run);
      const cell = this.cells.get(key) ?? { runs: [] };
      cell.runs.push({ run, sweep });
      this.cells.set(key, cell);
    }
    show(status, () => words().sweepRunning(plan.runs.length, count));
    this.list.setButtons();
    this.render();
    // In the plan's order, each to the first free worker; a run stopped while waiting is skipped.
    for (const cell of this.cells.values())
      for (const { run } of cell.runs)
        await this.workers.train(run.id, run.settings, () => run.state === 'waiting');
  }

  /** The sweep's runs, in its plan's order. */
  private runs(): Run[] {
    return [...this.cells.values()].flatMap((c) => c.runs.map(({ run }) => run));
  }

  /** The heatmap and the readings as the runs stand; redrawn as they finish. */
  render(): void {
    const runs = this.runs();
    $<HTMLButtonElement>('sweep-run').disabled = this.list.active() !== undefined;
    for (const format of ['jsonl', 'csv'])
      $<HTMLButtonElement>(`sweep-${format}`).disabled = !runs.some(isFinished);
    const table = $<HTMLTableElement>('sweep-heatmap');
    const spec = this.spec;
    const [a, b] = spec?.axes ?? [];
    if (spec === undefined || a === undefined || b === undefined || this.cells.size === 0) return;
    const lines = [...this.cells.values()].flatMap((c) =>
      c.runs
        .filter(({ run }) => isFinished(run))
        .map(({ run, sweep }) => ({
          point: sweep.point,
          testAccuracy: run.epochs.at(-1)?.validation?.accuracy ?? null,
          ...(run.state === 'failed' ? { failed: run.failure ?? 'failed' } : {}),
          ...(run.state === 'failed' && /NaN|infinite/.test(run.failure ?? '')
            ? { diverged: true }
            : {}),
        })),
    );
    const points = summarizeSweep(spec, lines);
    const means = points.filter((p) => p.accuracy.n > 0).map((p) => p.accuracy.mean);
    const [low, high] = [Math.min(...means), Math.max(...means)];
    const scale = (mean: number) => (high > low ? (mean - low) / (high - low) : 1);
    const caption = document.createElement('caption');
    show(caption, () => words().sweepCaption);
    const head = document.createElement('tr');
    head.append(
      Object.assign(document.createElement('th'), {
        textContent: `${words().field(b.field)} \\ ${words().field(a.field)}`,
      }),
    );
    for (const va of a.values)
      head.append(
        Object.assign(document.createElement('th'), { textContent: String(va), scope: 'col' }),
      );
    const rows = b.values.map((vb) => {
      const tr = document.createElement('tr');
      tr.append(
        Object.assign(document.createElement('th'), { textContent: String(vb), scope: 'row' }),
      );
      for (const va of a.values) {
        const key = sweepPointText({ [a.field]: va, [b.field]: vb });
        const summary = points.find((p) => p.key === key);
        const cell = this.cells.get(key);
        const td = document.createElement('td');
        const done = summary?.accuracy.n ?? 0;
        td.textContent = `${summary === undefined || done === 0 ? '…' : sweepAccuracyText(summary.accuracy)}${summary?.lesson ? ' ★' : ''}`;
        // Shaded over the sweep's own range: the landscape, whatever its level.
        const shade =
          done > 0 && summary !== undefined ? 0.1 + 0.9 * scale(summary.accuracy.mean) : 0;
        td.style.background = `rgba(11, 92, 173, ${shade.toFixed(3)})`;
        td.style.color = shade > 0.55 ? '#ffffff' : '#1a1a1a';
        td.dataset.point = key;
        td.title = words().sweepCell(key, done, cell?.runs.length ?? 0);
        const first = cell?.runs[0]?.run;
        td.setAttribute(
          'aria-selected',
          String(first !== undefined && first === this.list.selected),
        );
        td.addEventListener('click', () => {
          if (first !== undefined) this.list.select(first);
        });
        tr.append(td);
      }
      return tr;
    });
    table.replaceChildren(caption, head, ...rows);
    const finished = lines.length === runs.length;
    $('sweep-readings').replaceChildren(
      ...(finished ? sweepReadings(points, lang(), 'lab') : []).map((t) =>
        Object.assign(document.createElement('li'), { textContent: t }),
      ),
    );
    if (finished) show($('sweep-status'), () => words().sweepDone);
    else if (runs.every((run) => run.state !== 'waiting' && !isTraining(run)))
      show($('sweep-status'), () => words().sweepStopped(lines.length, runs.length));
  }
}
