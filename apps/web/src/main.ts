// The browser lab's page: it wires the settings form, the run list, the charts, the results and
// the drawing pad to the training worker. Each part lives in its own module.
import { backendToAsk } from './backend-choice';
import { LessonPanel } from './chapters';
import { Comparison } from './compare';
import { DatasetChooser } from './datasets';
import { $ } from './dom';
import { saveFile, wireExports } from './downloads';
import { classNamesOf, wireDrawing } from './drawing';
import { onLanguage, show, startLanguage } from './i18n';
import { Keeper } from './keeping';
import type { FromWorker, ToWorker } from './protocol';
import { runCharts } from './run-charts';
import { type Run, RunList } from './run-list';
import type { RunSettings } from './settings';
import { settingsForm } from './settings-form';
import { showBackend, showDataProgress } from './status-lines';
import { SweepPanel } from './sweep-panel';
import { TrainingWorkers } from './sweep-workers';
import { installTestHooks } from './test-hooks';
import { renderConfusion, renderDigits, renderWeights } from './views';
import { words } from './words';

startLanguage();
const mnistUrl = new URL('data/mnist/', document.baseURI).href;
/** The data's counts and sample digits, as the worker last said when it was ready. */
let samples: Extract<FromWorker, { type: 'ready' }> | undefined;
let restored = false;

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
const comparison = new Comparison(list);
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
    renderDigits(
      $('digits'),
      samples.samples,
      samples.sampleLabels,
      inspection?.samplePredictions,
      samples.dataset.classNames.map((n) => words().className(n)),
    );
  if (inspection === undefined) return;
  if (inspection.confusion.length > 0)
    renderConfusion($<HTMLTableElement>('confusion'), inspection.confusion, classNamesOf(list));
  renderWeights($('weights'), inspection.weights, inspection.weightCount);
}

// A switch of language redraws what the code drew (the static text and status lines follow).
onLanguage(() => {
  for (const run of list.runs) list.render(run);
  list.setButtons();
  renderResults();
  charts.redraw();
});

function showError(message: string) {
  show($('progress'), () => words().error(message));
  $('progress').classList.add('error');
}
function failRun(run: Run, message: string) {
  list.fail(run, message);
  show($('progress'), () => words().error(words().runFailed(run.id)));
  $('progress').classList.add('error');
}

// The worker trains; the page shows what it says.
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const initMessage = (): Extract<ToWorker, { type: 'init' }> => ({
  type: 'init',
  dataUrl: mnistUrl,
  wasmUrl: new URL('wasm/', document.baseURI).href,
  prefer: askedBackend,
  network: settings.read(),
  ...(settings.wasmThreads === undefined ? {} : { wasmThreads: settings.wasmThreads }),
});
// Runs train in the page's worker, and a sweep's in helpers: messages go to whichever has the run.
const workers = new TrainingWorkers(worker, (m) => onWorkerMessage(m), initMessage);
const send = workers.send;
const datasets = new DatasetChooser(send, mnistUrl);
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
  const sps = Math.round(m.samplesPerSecond);
  show($('progress'), () =>
    words().batchLine(run.id, m.epoch, run.settings.epochs, m.batch, m.batchesPerEpoch, sps),
  );
  charts.redraw();
}

/** The data is in: Start can start, and the runs kept in this browser come back. */
function onReady(m: Extract<FromWorker, { type: 'ready' }>) {
  samples = m;
  $<HTMLProgressElement>('data-progress').value = 1;
  show($('data-text'), () => words().dataReady(m.trainCount, m.testCount));
  datasets.ready(m.dataset);
  list.ready = true;
  renderResults();
  // The first data in: the runs and the dataset kept in this browser come back.
  if (!restored) {
    void keeper.restore();
    void datasets.restore();
  }
  restored = true;
  list.setButtons();
  lesson.update();
}

/** Start, Pause, Stop as the runs stand; the dataset can change only while none trains. */
function setButtons() {
  list.setButtons();
  datasets.setBusy(list.active() !== undefined);
}

function onWorkerMessage(m: FromWorker) {
  const run = 'runId' in m && m.runId !== undefined ? list.byId(m.runId) : undefined;
  switch (m.type) {
    case 'backend':
      showBackend(m, askedBackend, settings.preferredBackend);
      break;
    case 'data-progress':
      showDataProgress(m);
      break;
    case 'ready':
      onReady(m);
      break;
    case 'data-error':
      datasets.refused(m.message);
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
      show($('accuracy'), () =>
        words().latest(m.record.validation?.accuracy ?? 0, run.id, m.record.epoch),
      );
      list.render(run);
      charts.redraw();
      break;
    case 'state':
      if (run === undefined) break;
      run.state = m.state;
      if (m.state === 'done' || m.state === 'stopped') keeper.ended(run);
      list.render(run);
      setButtons();
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
      drawing.show(m);
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
  const message = event.message || words().workerStopped;
  const active = list.active();
  if (active !== undefined) failRun(active, message);
  else showError(message);
};

// The controls: Pause and Stop act on every active run (a chapter's pair runs side by side).
function startRun(asked: RunSettings, label?: string): Run {
  // A dataset smaller than the form asks for trains on all it has, and the run says so.
  const counts = {
    train: samples?.trainCount ?? asked.trainSize,
    test: samples?.testCount ?? asked.testSize,
  };
  const runSettings = {
    ...asked,
    trainSize: Math.min(asked.trainSize, counts.train),
    testSize: Math.min(asked.testSize, counts.test),
  };
  const run = list.add(runSettings, label);
  if (datasets.current !== undefined) run.dataset = datasets.current;
  list.render(run);
  $('progress').classList.remove('error');
  setButtons();
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
  for (const run of list.allActive())
    if (run.state !== 'waiting') send({ type: resume ? 'resume' : 'pause', runId: run.id });
});
$('stop').addEventListener('click', () => {
  // A sweep's runs still waiting end here; no worker has them.
  for (const run of list.allActive())
    if (run.state === 'waiting') list.stopWaiting(run);
    else send({ type: 'stop', runId: run.id });
  workers.recheck();
  setButtons();
});

wireExports(list, send);

const drawing = wireDrawing(list, send);
const predictDrawing = drawing.predict;
const modelFile = $<HTMLInputElement>('model-file');
modelFile.addEventListener('change', () => {
  void keeper.open(Array.from(modelFile.files ?? []));
  modelFile.value = '';
});
send(initMessage());
const sweep = new SweepPanel(
  list,
  workers,
  () => settings.read(),
  () => document.body.dataset.backend,
  () => datasets.current,
  (format, runs) => void comparison.download(format, runs, 'mnist-lab-sweep'),
);
list.onChange = () => sweep.render();

// Offline once loaded: a service worker keeps what the page fetched (not in development).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(new URL('sw.js', document.baseURI)).catch(() => {});
}
