import { KNOWN_DATASETS } from '@mnist-lab/data';
import { $ } from './dom';
import { saveFile } from './downloads';
import { onLanguage, show } from './i18n';
import { keptModel } from './kept-runs';
import {
  parseResults,
  RESULTS_LIMITS,
  type ResultLine,
  resultLine,
  resultsCsv,
  resultsJsonl,
  settingsOfLine,
} from './results-file';
import type { Run, RunList } from './run-list';
import { words } from './words';

/** The settings the comparison table shows where the runs differ, in this order. */
const FIELDS = [
  'preset',
  'activation',
  'dropout',
  'batchNorm',
  'init',
  'hidden',
  'lr',
  'momentum',
  'batchSize',
  'epochs',
  'seed',
  'trainSize',
  'testSize',
] as const;

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** Each run's final figures: test accuracy and loss, training loss, and its mechanisms' where it has them. */
function figures(run: Run): Record<string, string> {
  const last = run.epochs.at(-1);
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
  const out: Record<string, string> = {
    testAccuracy: pct(last?.validation?.accuracy),
    testLoss: last?.validation?.loss?.toFixed(4) ?? '—',
    trainLoss: last?.trainLoss?.toFixed(4) ?? '—',
  };
  const evaluated = last?.trainEvaluation?.accuracy;
  const test = last?.validation?.accuracy;
  if (evaluated !== undefined && test !== undefined)
    out.gap = `${((evaluated - test) * 100).toFixed(2)}`;
  const probe = run.probes.at(-1) ?? run.epochs.flatMap((e) => e.probes ?? []).at(-1);
  const g = probe?.gradNorm as Record<string, number> | undefined;
  if (g?.['fc1.weight'] !== undefined && g['fc3.weight'] !== undefined && g['fc3.weight'] > 0)
    out.gradientRatio = (g['fc1.weight'] / g['fc3.weight']).toFixed(2);
  return out;
}

/**
 * Runs compared and handed in: the runs ticked in the list side by side (the settings where they
 * differ, their final figures; their curves are on the training charts already), their results
 * downloaded as the CLI's `results.jsonl` or as CSV, and a results file opened as runs.
 */
export class Comparison {
  constructor(private readonly list: RunList) {
    list.onCompare = () => this.render();
    onLanguage(() => this.render());
    for (const format of ['jsonl', 'csv'] as const)
      $(`results-${format}`).addEventListener('click', () => void this.download(format));
    const input = $<HTMLInputElement>('results-file');
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      input.value = '';
      if (file !== undefined) void this.open(file);
    });
  }

  /** The runs to compare or download: those ticked, else the selected one. */
  private chosen(): Run[] {
    const ticked = this.list.runs.filter((r) => this.list.compared.has(r.id));
    return ticked.length > 0
      ? ticked
      : this.list.selected === undefined
        ? []
        : [this.list.selected];
  }

  render(): void {
    const runs = this.list.runs.filter((r) => this.list.compared.has(r.id));
    const table = $<HTMLTableElement>('compare');
    $('compare-panel').hidden = runs.length < 2;
    if (runs.length < 2) {
      table.replaceChildren();
      return;
    }
    const w = words();
    const row = (name: string, cells: string[], head = false) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('th'), { textContent: name, scope: 'row' }));
      for (const c of cells)
        tr.append(Object.assign(document.createElement(head ? 'th' : 'td'), { textContent: c }));
      return tr;
    };
    const value = (r: Run, f: (typeof FIELDS)[number]) => {
      const v = r.settings[f];
      if (typeof v === 'boolean') return v ? w.yes : w.no;
      return Array.isArray(v) ? v.join('-') : String(v);
    };
    const differing = FIELDS.filter((f) => new Set(runs.map((r) => value(r, f))).size > 1);
    const data = runs.map((r) => r.dataset?.name ?? (r.origin?.kind === 'file' ? '—' : 'mnist'));
    const figs = runs.map(figures);
    const metrics = ['testAccuracy', 'testLoss', 'trainLoss', 'gap', 'gradientRatio'].filter((m) =>
      figs.some((f) => f[m] !== undefined),
    );
    table.replaceChildren(
      row(
        '',
        runs.map((r) => w.runName(r.id, w.network(r.label))),
        true,
      ),
      ...differing.map((f) =>
        row(
          w.field(f),
          runs.map((r) => value(r, f)),
        ),
      ),
      ...(new Set(data).size > 1 ? [row(w.dataset, data)] : []),
      ...metrics.map((m) =>
        row(
          w.metric(m),
          figs.map((f) => f[m] ?? '—'),
        ),
      ),
    );
    show($('compare-same'), () =>
      differing.length === 0 ? w.compareSame : w.compareDiffer(differing.length),
    );
  }

  /**
   * Saves `runs` (the ticked ones, or the selected one) as the CLI's results.jsonl, or as CSV,
   * each with its kept model's SHA-256 where this browser has it.
   */
  async download(
    format: 'jsonl' | 'csv',
    runs = this.chosen(),
    file = 'mnist-lab-results',
  ): Promise<void> {
    const lines: ResultLine[] = [];
    for (const run of runs) {
      if (run.origin?.kind === 'file' && run.epochs.length === 0) continue;
      let sha: string | null = null;
      const model =
        run.key === undefined ? undefined : await keptModel(run.key).catch(() => undefined);
      if (model !== undefined)
        sha = hex(await crypto.subtle.digest('SHA-256', model as Uint8Array<ArrayBuffer>));
      lines.push(resultLine(run, sha));
    }
    if (lines.length === 0) return;
    const text = format === 'csv' ? resultsCsv(lines) : resultsJsonl(lines);
    saveFile(`${file}.${format}`, new TextEncoder().encode(text));
  }

  private async open(file: File): Promise<void> {
    const status = $('results-status');
    try {
      if (file.size > RESULTS_LIMITS.bytes)
        throw new Error(`${file.name}: more than ${RESULTS_LIMITS.bytes >> 20} MB`);
      const lines = parseResults(await file.text(), file.name);
      for (const line of lines)
        this.list.add(settingsOfLine(line), line.spec.preset ?? line.spec.activation, {
          origin: { kind: 'file', file: file.name },
          epochs: line.history,
          ...(line.dataset === undefined
            ? {}
            : {
                dataset: {
                  ...line.dataset,
                  classNames:
                    KNOWN_DATASETS[line.dataset.name]?.classNames ??
                    Array.from({ length: 10 }, (_, i) => String(i)),
                },
              }),
        });
      show(status, () => words().resultsOpened(file.name, lines.length));
      status.classList.remove('error');
    } catch (error) {
      show(status, () => words().resultsRefused((error as Error).message));
      status.classList.add('error');
    }
  }
}
