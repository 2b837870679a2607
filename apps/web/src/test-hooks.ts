import { BatchLoader, type Dataset } from '@mnist-lab/data';
import { Chart } from './charts';

/**
 * What the end-to-end tests read from the page, on `window.__lab`: the gaps between animation
 * frames while the lab runs (responsiveness), the runs, the batch order a seed gives, taken from
 * `BatchLoader`'s public `order` (the tests check that this browser draws Node's order), and the
 * words the charts draw on their canvases (the language test reads them).
 */
export function installTestHooks(runs: readonly unknown[]): void {
  const frameGaps: number[] = [];
  let lastFrame = performance.now();
  const watchFrames = (now: number) => {
    frameGaps.push(now - lastFrame);
    if (frameGaps.length > 2000) frameGaps.shift();
    lastFrame = now;
    requestAnimationFrame(watchFrames);
  };
  requestAnimationFrame(watchFrames);
  const shuffleOrder = (seed: number, epoch: number, n: number) => {
    // Only the count matters to the order: an empty dataset of n examples.
    const dataset: Dataset = {
      name: 'order',
      images: new Uint8Array(0),
      labels: new Uint8Array(n),
      count: n,
      rows: 0,
      cols: 0,
      numClasses: 10,
    };
    return Array.from(new BatchLoader(dataset, { batchSize: 1, seed }).order(epoch));
  };
  /** The words every chart draws on its canvas: axis titles and legend labels. */
  const chartTexts = () =>
    Object.values(Chart.instances).flatMap((chart) => [
      ...Object.values(chart.options.scales ?? {}).map(
        (scale) => (scale as { title?: { text?: string } } | undefined)?.title?.text ?? '',
      ),
      ...chart.data.datasets.map((d) => d.label ?? ''),
    ]);
  Object.assign(window, { __lab: { frameGaps, runs, shuffleOrder, chartTexts } });
}
