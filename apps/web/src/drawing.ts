import { imageToMnist } from '@mnist-lab/data';
import { $ } from './dom';
import { drawPad } from './draw-pad';
import type { FromWorker, ToWorker } from './protocol';
import type { RunList } from './run-list';
import { renderProbabilities } from './views';
import { words } from './words';

/** The class names of the selected run's data (the digits for a run of unknown data). */
export const classNamesOf = (list: RunList): readonly string[] =>
  (list.selected?.dataset?.classNames ?? Array.from({ length: 10 }, (_, i) => String(i))).map(
    (name) => words().className(name),
  );

/**
 * The draw pad: each stroke is converted as MNIST's digits were and classified by the selected
 * run; only the newest drawing's answer is shown, with the class names of the run's data.
 */
export function wireDrawing(list: RunList, send: (message: ToWorker) => void) {
  const pad = $<HTMLCanvasElement>('pad');
  let request = 0;
  const predict = () => {
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
    request++;
    // Which drawing the shown prediction is for: the tests wait until it is the newest.
    pad.dataset.requested = String(request);
    send({ type: 'predict', runId: list.selected.id, pixels, requestId: request });
  };
  const { clear } = drawPad(pad, predict);
  $('clear').addEventListener('click', () => {
    clear();
    $('prediction').textContent = '—';
    $('probabilities').replaceChildren();
  });
  const show = (m: Extract<FromWorker, { type: 'prediction' }>) => {
    // Only the newest drawing's answer: the stroke asked again since the older ones.
    if (m.requestId !== request) return;
    $('prediction').dataset.answered = String(m.requestId);
    const best = m.probabilities.indexOf(Math.max(...m.probabilities));
    const names = classNamesOf(list);
    $('prediction').textContent =
      `${names[best] ?? best} (${((m.probabilities[best] as number) * 100).toFixed(1)}%)`;
    renderProbabilities($<HTMLOListElement>('probabilities'), m.probabilities, names);
  };
  return { predict, show };
}
