import { imageToMnist } from '@mnist-lab/data';
import { LESSON_RESULTS, type LessonPreset } from '@mnist-lab/lesson';
import { deriveSeed, Rng } from '@mnist-lab/random';
import type { EpochRecord } from '@mnist-lab/trainer';
import { type LineDataset, lineChart } from './charts';
import { drawPad } from './draw-pad';
import type { FromWorker, ToWorker } from './protocol';
import {
  ACTIVATIONS,
  INITS,
  PRESET_SETTINGS,
  type PresetName,
  type RunSettings,
  settingsFromQuery,
  settingsToQuery,
} from './settings';
import { renderConfusion, renderDigits, renderProbabilities, renderWeights } from './views';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
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

interface Run {
  readonly id: number;
  readonly settings: RunSettings;
  readonly color: string;
  state: 'running' | 'paused' | 'stopped' | 'done' | 'failed';
  /** Why a failed run failed. */
  failure?: string;
  readonly epochs: EpochRecord[];
  readonly losses: { x: number; y: number }[];
  inspection?: Extract<FromWorker, { type: 'inspection' }>;
  readonly item: HTMLLIElement;
}

const runs: Run[] = [];
let selected: Run | undefined;
let samples: { images: Uint8Array; labels: number[] } | undefined;
let predictRequest = 0;

// Measured responsiveness: gaps between animation frames while the page runs (read by the tests).
const frameGaps: number[] = [];
let lastFrame = performance.now();
const watchFrames = (now: number) => {
  frameGaps.push(now - lastFrame);
  if (frameGaps.length > 2000) frameGaps.shift();
  lastFrame = now;
  requestAnimationFrame(watchFrames);
};
requestAnimationFrame(watchFrames);
// The batch order of a seed and epoch, as @mnist-lab/data's BatchLoader draws it: the tests check
// that this browser computes the same order as Node.
const shuffleOrder = (seed: number, epoch: number, n: number) =>
  Array.from(new Rng(deriveSeed(seed, 'shuffle', epoch)).permutation(n));
Object.assign(window, { __lab: { frameGaps, runs, shuffleOrder } });

// Settings: the URL holds them, the form shows them.
const form = $<HTMLFormElement>('settings');
const fill = (select: HTMLSelectElement, values: readonly string[]) =>
  select.replaceChildren(...values.map((v) => new Option(v, v)));
fill($('activation'), ACTIVATIONS);
fill($('init'), INITS);
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
function showSettings(s: RunSettings) {
  for (const input of form.querySelectorAll<HTMLInputElement>('input[name="preset"]'))
    input.checked = input.value === s.preset;
  $<HTMLSelectElement>('activation').value = s.activation;
  $<HTMLSelectElement>('init').value = s.init;
  $<HTMLInputElement>('batchNorm').checked = s.batchNorm;
  $<HTMLInputElement>('hidden').value = s.hidden.join(',');
  for (const key of NUMBER_KNOBS) $<HTMLInputElement>(key).value = String(s[key]);
}
function readSettings(): RunSettings {
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
}
// `?backend=webgl` (or webgpu, wasm, cpu) asks for one backend; it stays in shared links.
const preferredBackend = new URLSearchParams(location.search).get('backend') ?? undefined;
function syncUrl() {
  const query = `${settingsToQuery(readSettings())}${preferredBackend === undefined ? '' : `&backend=${encodeURIComponent(preferredBackend)}`}`;
  history.replaceState(null, '', `?${query}`);
  $<HTMLAnchorElement>('share-link').href = `?${query}`;
}
showSettings(settingsFromQuery(location.search));
syncUrl();
form.addEventListener('change', (e) => {
  const target = e.target as HTMLInputElement;
  if (target.name === 'preset')
    showSettings({
      ...readSettings(),
      ...PRESET_SETTINGS[target.value as PresetName],
      preset: target.value as PresetName,
    });
  syncUrl();
});

// Charts.
const lossChart = lineChart($('loss-chart'), 'step', 'training loss');
const accuracyChart = lineChart($('accuracy-chart'), 'epoch', 'test accuracy (%)');
const testLossChart = lineChart($('test-loss-chart'), 'epoch', 'test loss');
let chartsDirty = false;
function redrawCharts() {
  if (chartsDirty) return;
  chartsDirty = true;
  requestAnimationFrame(() => {
    chartsDirty = false;
    const showLesson = $<HTMLInputElement>('lesson-ref').checked;
    const presets = [...new Set(runs.map((r) => r.settings.preset))] as LessonPreset[];
    const lesson = (
      pick: (e: { testAccuracy: number; seedTestLoss: number }) => number,
    ): LineDataset[] =>
      showLesson
        ? presets.map((p) => ({
            label: `lesson: ${p}`,
            data: LESSON_RESULTS[p].map((e) => ({ x: e.epoch, y: pick(e) })),
            borderColor: '#6b717a',
            borderDash: [6, 4],
            pointRadius: 0,
          }))
        : [];
    const name = (r: Run) =>
      `run ${r.id}: ${r.settings.preset}${r.settings.activation !== PRESET_SETTINGS[r.settings.preset].activation ? ` (${r.settings.activation})` : ''}`;
    lossChart.data.datasets = runs.map((r) => ({
      label: name(r),
      data: r.losses,
      borderColor: r.color,
      pointRadius: 0,
      borderWidth: 1,
    }));
    accuracyChart.data.datasets = [
      ...runs.map((r) => ({
        label: name(r),
        data: r.epochs.map((e) => ({ x: e.epoch, y: (e.validation?.accuracy ?? 0) * 100 })),
        borderColor: r.color,
      })),
      ...lesson((e) => e.testAccuracy),
    ];
    testLossChart.data.datasets = [
      ...runs.map((r) => ({
        label: name(r),
        data: r.epochs.map((e) => ({ x: e.epoch, y: e.validation?.seedTestLoss ?? 0 })),
        borderColor: r.color,
      })),
      ...lesson((e) => e.seedTestLoss),
    ];
    lossChart.update();
    accuracyChart.update();
    testLossChart.update();
  });
}
$('lesson-ref').addEventListener('change', redrawCharts);

// Runs.
function renderRun(run: Run) {
  const last = run.epochs.at(-1)?.validation?.accuracy;
  run.item.replaceChildren();
  const radio = Object.assign(document.createElement('input'), {
    type: 'radio',
    name: 'selected-run',
    checked: run === selected,
  });
  radio.addEventListener('change', () => select(run));
  const label = document.createElement('label');
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = run.color;
  label.append(
    radio,
    swatch,
    ` run ${run.id}: ${run.settings.preset}, ${run.settings.epochs} epochs, seed ${run.settings.seed} — ${run.state}${last === undefined ? '' : `, ${(last * 100).toFixed(2)}%`}`,
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
function select(run: Run) {
  selected = run;
  for (const r of runs) renderRun(r);
  renderResults();
  predictDrawing();
}
function renderResults() {
  if (samples !== undefined)
    renderDigits(
      $('digits'),
      samples.images,
      samples.labels,
      selected?.inspection?.samplePredictions,
    );
  const inspection = selected?.inspection;
  if (inspection === undefined) return;
  if (inspection.confusion.length > 0)
    renderConfusion($<HTMLTableElement>('confusion'), inspection.confusion);
  renderWeights($('weights'), inspection.weights, inspection.weightCount);
}
function setButtons() {
  const active = runs.find((r) => r.state === 'running' || r.state === 'paused');
  $<HTMLButtonElement>('start').disabled = samples === undefined || active !== undefined;
  $<HTMLButtonElement>('pause').disabled = active === undefined;
  $<HTMLButtonElement>('pause').textContent = active?.state === 'paused' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('stop').disabled = active === undefined;
}

// The worker.
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
const runById = (id: number) => runs.find((r) => r.id === id);

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'backend': {
      const skipped = m.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
      $('backend').textContent =
        `Backend: ${m.report.backend} on ${m.report.device} (${m.report.deviceKind}${m.report.threads > 1 ? `, ${m.report.threads} threads` : ''})${skipped === '' ? '' : ` — fell back from ${skipped}`}`;
      document.body.dataset.backend = m.report.backend;
      document.body.dataset.deviceKind = m.report.deviceKind;
      break;
    }
    case 'data-progress': {
      const progress = $<HTMLProgressElement>('data-progress');
      if (m.total > 0) progress.value = m.loaded / m.total;
      $('data-text').textContent =
        `${(m.loaded / 1e6).toFixed(1)} MB${m.total > 0 ? ` of ${(m.total / 1e6).toFixed(1)} MB` : ''}`;
      break;
    }
    case 'ready':
      samples = { images: m.samples, labels: m.sampleLabels };
      $<HTMLProgressElement>('data-progress').value = 1;
      $('data-text').textContent =
        `${m.trainCount} training and ${m.testCount} test images, served by this page`;
      renderResults();
      setButtons();
      break;
    case 'batch': {
      const run = runById(m.runId);
      if (run === undefined) break;
      run.losses.push({ x: m.globalStep, y: m.loss });
      $('progress').textContent =
        `run ${run.id}: epoch ${m.epoch}/${run.settings.epochs}, batch ${m.batch}/${m.batchesPerEpoch}, ${Math.round(m.samplesPerSecond)} samples/s`;
      redrawCharts();
      break;
    }
    case 'epoch': {
      const run = runById(m.runId);
      if (run === undefined) break;
      run.epochs.push(m.record);
      $('accuracy').textContent =
        `${((m.record.validation?.accuracy ?? 0) * 100).toFixed(2)}% (run ${run.id}, epoch ${m.record.epoch})`;
      renderRun(run);
      redrawCharts();
      break;
    }
    case 'state': {
      const run = runById(m.runId);
      if (run === undefined) break;
      run.state = m.state;
      renderRun(run);
      setButtons();
      break;
    }
    case 'inspection': {
      const run = runById(m.runId);
      if (run === undefined) break;
      run.inspection = {
        ...m,
        confusion: m.confusion.length > 0 ? m.confusion : (run.inspection?.confusion ?? []),
      };
      if (run === selected) renderResults();
      break;
    }
    case 'prediction':
      if (m.requestId === predictRequest) {
        const best = m.probabilities.indexOf(Math.max(...m.probabilities));
        $('prediction').textContent =
          `${best} (${((m.probabilities[best] as number) * 100).toFixed(1)}%)`;
        renderProbabilities($<HTMLOListElement>('probabilities'), m.probabilities);
      }
      break;
    case 'error': {
      const run = m.runId === undefined ? undefined : runById(m.runId);
      if (run !== undefined) failRun(run, m.message);
      else showError(m.message);
      break;
    }
    default:
      m satisfies never;
  }
};

function showError(message: string) {
  $('progress').textContent = `Error: ${message}`;
  $('progress').classList.add('error');
}
/** Ends a run as failed, says why, and frees the controls for the next run. */
function failRun(run: Run, message: string) {
  run.state = 'failed';
  run.failure = message;
  showError(`run ${run.id} failed (why: under Runs). Start is free for the next run.`);
  renderRun(run);
  setButtons();
}
// A worker that dies takes its run with it; the page stays usable and says so.
worker.onerror = (event) => {
  event.preventDefault();
  const message = event.message || 'the training worker stopped';
  const active = runs.find((r) => r.state === 'running' || r.state === 'paused');
  if (active !== undefined) failRun(active, message);
  else showError(message);
};

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const settings = readSettings();
  const item = document.createElement('li');
  $('runs').append(item);
  const run: Run = {
    id: runs.length + 1,
    settings,
    color: COLORS[runs.length % COLORS.length] as string,
    state: 'running',
    epochs: [],
    losses: [],
    item,
  };
  runs.push(run);
  $('progress').classList.remove('error');
  select(run);
  setButtons();
  redrawCharts();
  send({ type: 'start', runId: run.id, settings });
});
$('pause').addEventListener('click', () => {
  const run = runs.find((r) => r.state === 'running' || r.state === 'paused');
  if (run !== undefined) send({ type: run.state === 'paused' ? 'resume' : 'pause', runId: run.id });
});
$('stop').addEventListener('click', () => {
  const run = runs.find((r) => r.state === 'running' || r.state === 'paused');
  if (run !== undefined) send({ type: 'stop', runId: run.id });
});

// Drawing: the digit is converted as MNIST's were, then classified by the selected run.
const pad = $<HTMLCanvasElement>('pad');
function predictDrawing() {
  if (selected === undefined) return;
  const ctx = pad.getContext('2d', { willReadFrequently: true });
  if (ctx === null) return;
  let pixels: Float32Array;
  try {
    pixels = imageToMnist(ctx.getImageData(0, 0, pad.width, pad.height), 'drawing');
  } catch {
    $('prediction').textContent = '—';
    return;
  }
  predictRequest++;
  send({ type: 'predict', runId: selected.id, pixels, requestId: predictRequest });
}
const { clear } = drawPad(pad, predictDrawing);
$('clear').addEventListener('click', () => {
  clear();
  $('prediction').textContent = '—';
  $('probabilities').replaceChildren();
});

send({
  type: 'init',
  dataUrl: new URL('data/mnist/', document.baseURI).href,
  wasmUrl: new URL('wasm/', document.baseURI).href,
  ...(preferredBackend === undefined ? {} : { prefer: preferredBackend }),
});

// Offline once loaded: a service worker keeps what the page fetched (not in development).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(new URL('sw.js', document.baseURI)).catch(() => {});
}
