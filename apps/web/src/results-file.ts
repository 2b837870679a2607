// A run's results as a file, in the CLI's `results.jsonl` format (one JSON line per run: id, spec,
// testAccuracy, testLoss, history, modelSha256, worker, seconds), and as CSV; and such a file read
// back, as untrusted input, into runs the page shows. A student hands in a run; a teacher opens it
// (a CLI sweep's results.jsonl opens the same way).
import { parseRunSpec, type RunSpec, runSpecId } from '@mnist-lab/lesson';
import type { EpochRecord } from '@mnist-lab/trainer';
import type { DatasetIdentity } from './dataset-identity';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth';
import type { Run } from './run-list';
import { type RunSettings, settingsOfSpec } from './settings';

/** One run's line. */
export interface ResultLine {
  readonly id: string;
  readonly spec: RunSpec;
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly history: readonly EpochRecord[];
  readonly modelSha256: string | null;
  readonly worker: string;
  readonly seconds: number;
  /** The lab's addition: the data the run trained on, by name and SHA-256. */
  readonly dataset?: { readonly name: string; readonly sha256: string };
}

/** What a results file may hold: a CLI sweep's 1000 runs of 100 epochs fit. */
export const RESULTS_LIMITS = { bytes: 16 << 20, lines: 1000, epochs: 1000 } as const;

/** The run spec of a run of the page: its settings, as `train --config` would take them. */
export function specOf(settings: RunSettings, dataset: DatasetIdentity | undefined): RunSpec {
  const {
    probeEvery: _p,
    trainEval: _t,
    ...fields
  } = settings as RunSettings & {
    probeEvery?: number;
    trainEval?: number;
  };
  const known = dataset?.name === 'fashion-mnist' ? 'fashion-mnist' : 'mnist';
  const parsed = parseRunSpec({
    ...fields,
    hidden: [...settings.hidden],
    optimizer: 'sgd',
    dataset: known,
  });
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => i.message).join('; '));
  return parsed.spec;
}

/** A run of the page as a results line (its model's SHA-256 when the page has its model file). */
export function resultLine(run: Run, modelSha256: string | null): ResultLine {
  const spec = specOf(run.settings, run.dataset);
  const last = run.epochs.at(-1)?.validation;
  return {
    id: runSpecId(spec),
    spec,
    testAccuracy: last?.accuracy ?? null,
    testLoss: last?.loss ?? null,
    history: run.epochs,
    modelSha256,
    worker: 'browser',
    seconds: run.epochs.reduce((s, e) => s + e.seconds + (e.validationSeconds ?? 0), 0),
    ...(run.dataset === undefined
      ? {}
      : { dataset: { name: run.dataset.name, sha256: run.dataset.sha256 } }),
  };
}

export const resultsJsonl = (lines: readonly ResultLine[]) =>
  lines.map((l) => `${JSON.stringify(l)}\n`).join('');

/** The spec's fields as CSV columns, in this order. */
const CSV_FIELDS = [
  'preset',
  'activation',
  'dropout',
  'batchNorm',
  'init',
  'hidden',
  'epochs',
  'batchSize',
  'lr',
  'momentum',
  'optimizer',
  'seed',
  'trainSize',
  'testSize',
] as const;

/** One row per run: its id and dataset, the spec's fields, its final metrics (no history). */
export function resultsCsv(lines: readonly ResultLine[]): string {
  const cell = (v: unknown) => {
    const text = v === undefined || v === null ? '' : Array.isArray(v) ? v.join('x') : String(v);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const head = [
    'id',
    'dataset',
    ...CSV_FIELDS,
    'testAccuracy',
    'testLoss',
    'modelSha256',
    'seconds',
  ];
  const rows = lines.map((l) =>
    [
      l.id,
      l.dataset?.name ?? l.spec.dataset,
      ...CSV_FIELDS.map((f) => (l.spec as Record<string, unknown>)[f]),
      l.testAccuracy,
      l.testLoss,
      l.modelSha256,
      l.seconds,
    ]
      .map(cell)
      .join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const finiteOrNull = (v: unknown) => v === null || finite(v);

/** Why an epoch record is not one, or undefined. */
function epochProblem(e: unknown, i: number): string | undefined {
  if (typeof e !== 'object' || e === null) return `history[${i}] is not an object`;
  const r = e as Record<string, unknown>;
  if (!Number.isInteger(r.epoch) || (r.epoch as number) < 1) return `history[${i}].epoch`;
  for (const k of ['trainLoss', 'trainAccuracy', 'seconds'])
    if (!finiteOrNull(r[k] ?? null)) return `history[${i}].${k}`;
  const v = r.validation as Record<string, unknown> | undefined;
  if (v !== undefined && (typeof v !== 'object' || !finite(v.accuracy) || !finiteOrNull(v.loss)))
    return `history[${i}].validation`;
  return undefined;
}

/** One line of a results file, checked: the run spec by its own schema, the history's numbers. */
function parseLine(text: string, where: string): ResultLine {
  if (jsonDepth(text) > MAX_JSON_DEPTH + 4) throw new Error(`${where}: nests too deeply`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${where}: expected an object with id, spec, testAccuracy, history`);
  const parsed = parseRunSpec(raw.spec);
  if (!parsed.ok)
    throw new Error(
      `${where}: spec: ${parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  if (raw.id !== runSpecId(parsed.spec)) throw new Error(`${where}: its id is not its spec's`);
  const history = raw.history;
  if (!Array.isArray(history) || history.length > RESULTS_LIMITS.epochs)
    throw new Error(`${where}: history must be a list of at most ${RESULTS_LIMITS.epochs} epochs`);
  const problem = history.map(epochProblem).find((p) => p !== undefined);
  if (problem !== undefined) throw new Error(`${where}: ${problem} is not a number`);
  if (!finiteOrNull(raw.testAccuracy ?? null) || !finiteOrNull(raw.testLoss ?? null))
    throw new Error(`${where}: testAccuracy and testLoss must be numbers`);
  const sha = raw.modelSha256;
  const dataset = raw.dataset as { name?: unknown; sha256?: unknown } | undefined;
  return {
    id: raw.id,
    spec: parsed.spec,
    testAccuracy: (raw.testAccuracy as number | null) ?? null,
    testLoss: (raw.testLoss as number | null) ?? null,
    history: history as EpochRecord[],
    modelSha256: typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) ? sha : null,
    worker: typeof raw.worker === 'string' ? raw.worker.slice(0, 100) : '',
    seconds: finite(raw.seconds) ? (raw.seconds as number) : 0,
    ...(typeof dataset?.name === 'string' && typeof dataset.sha256 === 'string'
      ? { dataset: { name: dataset.name.slice(0, 60), sha256: dataset.sha256.slice(0, 64) } }
      : {}),
  };
}

/**
 * A results file's runs: a `results.jsonl` (one JSON line per run) or one JSON object, each line
 * checked; throws naming the file and line.
 */
export function parseResults(text: string, file: string): ResultLine[] {
  if (text.length > RESULTS_LIMITS.bytes)
    throw new Error(`${file}: more than ${RESULTS_LIMITS.bytes >> 20} MB`);
  const whole = text.trim();
  if (whole === '') throw new Error(`${file}: no results in it`);
  // One object, perhaps spread over lines (pretty-printed).
  if (whole.startsWith('{') && whole.endsWith('}') && !/}\s*\n\s*{/.test(whole))
    return [parseLine(whole, file)];
  const lines = whole.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > RESULTS_LIMITS.lines)
    throw new Error(
      `${file}: ${lines.length} lines; a results file holds at most ${RESULTS_LIMITS.lines}`,
    );
  return lines.map((l, i) => parseLine(l, `${file} line ${i + 1}`));
}

/** The page's settings for a results line's spec (the lab's bounds apply, field by field). */
export const settingsOfLine = (line: ResultLine): RunSettings => settingsOfSpec(line.spec);
