import { BatchLoader, type Dataset } from '@mnist-lab/data';

/**
 * What the end-to-end tests read from the page, on `window.__lab`: the gaps between animation
 * frames while the lab runs (responsiveness), the runs, and the batch order a seed gives, taken
 * from `BatchLoader`'s public `order` (the tests check that this browser draws Node's order).
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
  Object.assign(window, { __lab: { frameGaps, runs, shuffleOrder } });
}
