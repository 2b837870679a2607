// The browser lab's page: it wires the settings form, the run list, the charts, the results and
// the drawing pad to the training worker. Each part lives in its own module.
import { imageToMnist } from '@mnist-lab/data';
import { backendToAsk, describeBackend, unknownBackendNote } from './backend-choice';
import { LessonPanel } from './chapters';
import { $ } from './dom';
import { drawPad } from './draw-pad';
import { Keeper } from './keeping';
import type { ExportFormat, FromWorker, ToWorker } from './protocol';
import { runCharts } from './run-charts';
import { type Run, RunList } from './run-list';
import type { RunSettings } from './settings';
import { settingsForm } from './settings-form';
import { installTestHooks } from './test-hooks';
import { renderConfusion, renderDigits, renderProbabilities, renderWeights } from './views';

let samples: { images: Uint8Array; labels: number[] } | undefined;
let predictRequest = 0;

const form = $<HTMLFormElement>('settings');
const settings = settingsForm(form);
const askedBackend = backendToAsk(settings.preferredBackend);
const list = new RunList(
  (run) => {
    // A kept run's model is read when it is opened (no run is selected before keeper exists).
    void keeper.opened(run);
    renderResults();
    predictDrawing();
  },
  (run) => void keeper.forget(run),
);
const charts = runCharts(list.runs);
installTestHooks(list.runs);
const lesson = new LessonPanel({
  start: startRun,
  stop: (runs) => {
    for (const run of runs) send({ type: 'stop', runId: run.id });
  },
  ready: () => list.ready,
});

function renderResults() {
  // A model can be downloaded once its run has trained at least an epoch (or came from a file).
  if (list.selected === undefined) {
    $('prediction').textContent = '—';
    $('probabilities').replaceChildren();
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-export]'))
    button.disabled = list.selected?.inspection === undefined;
  const inspection = list.selected?.inspection;
  if (samples !== undefined)
    renderDigits($('digits'), samples.images, samples.labels, inspection?.samplePredictions);
  if (inspection === undefined) return;
  if (inspection.confusion.length > 0)
    renderConfusion($<HTMLTableElement>('confusion'), inspection.confusion);
  renderWeights($('weights'), inspection.weights, inspection.weightCount);
}

function showError(message: string) {
  $('progress').textContent = `Error: ${message}`;
  $('progress').classList.add('error');
}
function failRun(run: Run, message: string) {
  list.fail(run, message);
  showError(`run ${run.id} failed (why: under Runs). Start is free for the next run.`);
}

// The worker trains; the page shows what it says.
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
const keeper = new Keeper(list, send, () => {
  const { activation, dropout } = settings.read();
  return { activation, dropout };
});

function onBatch(run: Run, m: Extract<FromWorker, { type: 'batch' }>) {
  run.losses.push({ x: m.globalStep, y: m.loss });
  run.speed = {
    samplesPerSecond: m.samplesPerSecond,
    done: ((m.epoch - 1) * m.batchesPerEpoch + m.batch) * run.settings.batchSize,
  };
  lesson.update();
  $('progress').textContent =
    `run ${run.id}: epoch ${m.epoch}/${run.settings.epochs}, batch ${m.batch}/${m.batchesPerEpoch}, ${Math.round(m.samplesPerSecond)} samples/s`;
  charts.redraw();
}

function showPrediction(m: Extract<FromWorker, { type: 'prediction' }>) {
  // Only the newest drawing's answer: the stroke asked again since the older ones.
  if (m.requestId !== predictRequest) return;
  $('prediction').dataset.answered = String(m.requestId);
  const best = m.probabilities.indexOf(Math.max(...m.probabilities));
  $('prediction').textContent =
    `${best} (${((m.probabilities[best] as number) * 100).toFixed(1)}%)`;
  renderProbabilities($<HTMLOListElement>('probabilities'), m.probabilities);
}

/** The data is in: Start can start, and the runs kept in this browser come back. */
function onReady(m: Extract<FromWorker, { type: 'ready' }>) {
  samples = { images: m.samples, labels: m.sampleLabels };
  $<HTMLProgressElement>('data-progress').value = 1;
  $('data-text').textContent =
    `${m.trainCount} training and ${m.testCount} test images, served by this page`;
  list.ready = true;
  renderResults();
  void keeper.restore();
  list.setButtons();
  lesson.update();
}

function onWorkerMessage(m: FromWorker) {
  const run = 'runId' in m && m.runId !== undefined ? list.byId(m.runId) : undefined;
  switch (m.type) {
    case 'backend': {
      const { line, details } = describeBackend(m, askedBackend);
      const note = unknownBackendNote(settings.preferredBackend);
      $('backend').textContent = note === undefined ? line : `${line}. ${note}`;
      $('backend-more').textContent = details;
      $('backend-details').hidden = details === '';
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
      onReady(m);
      break;
    case 'batch':
      if (run !== undefined) onBatch(run, m);
      break;
    case 'probe':
      if (run === undefined) break;
      run.probes.push(m.probe);
      lesson.update();
      break;
    case 'epoch':
      if (run === undefined) break;
      run.epochs.push(m.record);
      lesson.update();
      $('accuracy').textContent =
        `${((m.record.validation?.accuracy ?? 0) * 100).toFixed(2)}% (run ${run.id}, epoch ${m.record.epoch})`;
      list.render(run);
      charts.redraw();
      break;
    case 'state':
      if (run === undefined) break;
      run.state = m.state;
      if (m.state === 'done' || m.state === 'stopped') keeper.ended(run);
      list.render(run);
      list.setButtons();
      lesson.update();
      break;
    case 'inspection':
      if (run === undefined) break;
      run.inspection = {
        ...m,
        confusion: m.confusion.length > 0 ? m.confusion : (run.inspection?.confusion ?? []),
      };
      if (run === list.selected) {
        renderResults();
        predictDrawing();
      }
      break;
    case 'prediction':
      showPrediction(m);
      break;
    case 'exported':
      // A model to keep in this browser, or files to download.
      if (m.keep !== true)
        for (const file of m.files) saveFile(`mnist-lab-run${m.runId}-${file.name}`, file.bytes);
      else if (run !== undefined) void keeper.store(run, m);
      break;
    case 'loaded':
      keeper.loaded(m);
      break;
    case 'error':
      if (keeper.failed(m.runId, m.message)) break;
      if (run !== undefined) failRun(run, m.message);
      else showError(m.message);
      break;
    default:
      m satisfies never;
  }
}
worker.onmessage = (event: MessageEvent<FromWorker>) => onWorkerMessage(event.data);
// A worker that dies takes its run with it; the page stays usable and says so.
worker.onerror = (event) => {
  event.preventDefault();
  const message = event.message || 'the training worker stopped';
  const active = list.active();
  if (active !== undefined) failRun(active, message);
  else showError(message);
};

// The controls: Pause and Stop act on every active run (a chapter's pair runs side by side).
function startRun(runSettings: RunSettings, label?: string): Run {
  const run = list.add(runSettings, label);
  $('progress').classList.remove('error');
  list.setButtons();
  charts.redraw();
  send({ type: 'start', runId: run.id, settings: run.settings });
  return run;
}
form.addEventListener('submit', (e) => {
  e.preventDefault();
  startRun(settings.read());
});
$('pause').addEventListener('click', () => {
  const resume = list.active()?.state === 'paused';
  for (const run of list.allActive()) send({ type: resume ? 'resume' : 'pause', runId: run.id });
});
$('stop').addEventListener('click', () => {
  for (const run of list.allActive()) send({ type: 'stop', runId: run.id });
});

/** Saves bytes as a file the browser downloads. */
function saveFile(name: string, bytes: Uint8Array) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
for (const button of document.querySelectorAll<HTMLButtonElement>('[data-export]')) {
  button.addEventListener('click', () => {
    const run = list.selected;
    if (run !== undefined)
      send({ type: 'export', runId: run.id, format: button.dataset.export as ExportFormat });
  });
}

// Drawing: the digit is converted as MNIST's were, then classified by the selected run.
const pad = $<HTMLCanvasElement>('pad');
function predictDrawing() {
  if (list.selected === undefined) return;
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
  // Which drawing the shown prediction is for: the tests wait until it is the newest.
  pad.dataset.requested = String(predictRequest);
  send({ type: 'predict', runId: list.selected.id, pixels, requestId: predictRequest });
}
const { clear } = drawPad(pad, predictDrawing);
const modelFile = $<HTMLInputElement>('model-file');
modelFile.addEventListener('change', () => {
  void keeper.open(Array.from(modelFile.files ?? []));
  modelFile.value = '';
});
$('clear').addEventListener('click', () => {
  clear();
  $('prediction').textContent = '—';
  $('probabilities').replaceChildren();
});

send({
  type: 'init',
  dataUrl: new URL('data/mnist/', document.baseURI).href,
  wasmUrl: new URL('wasm/', document.baseURI).href,
  prefer: askedBackend,
  network: settings.read(),
  ...(settings.wasmThreads === undefined ? {} : { wasmThreads: settings.wasmThreads }),
});

// Offline once loaded: a service worker keeps what the page fetched (not in development).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(new URL('sw.js', document.baseURI)).catch(() => {});
}
