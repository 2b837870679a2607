import type { FromWorker, ToWorker } from './protocol';
import type { RunSettings } from './settings';

/**
 * How many workers a sweep trains on: one per core, at most 4, fewer on a device short of memory;
 * or `?sweepWorkers=N` (1 to 8: `npm run bench:web` compares 1 worker with one per core).
 */
export function sweepWorkerCount(): number {
  const asked = Number(new URLSearchParams(location.search).get('sweepWorkers'));
  if (Number.isInteger(asked) && asked >= 1 && asked <= 8) return asked;
  const cores = navigator.hardwareConcurrency || 1;
  // Each worker holds MNIST (55 MB) and a backend: about 250 MB.
  const memory = (navigator as { deviceMemory?: number }).deviceMemory;
  const byMemory = memory === undefined ? 4 : Math.max(1, Math.floor(memory));
  return Math.max(1, Math.min(cores, 4, byMemory));
}

interface Helper {
  readonly worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

/**
 * The training workers: the page's own, and a sweep's helpers, each a worker.ts of its own with
 * the data loaded and the page's backend started. Messages about a run go to the worker that has
 * it (`send`); the helpers' messages about their runs come back to the page's handler as the main
 * worker's do (their data and backend lines aside).
 */
export class TrainingWorkers {
  private readonly owner = new Map<number, Worker>();
  private helpers: Helper[] = [];
  /** Runs waiting for a helper: each is woken when one is let go, and looks again. */
  private waiting: (() => void)[] = [];

  constructor(
    private readonly main: Worker,
    private readonly onMessage: (m: FromWorker) => void,
    private readonly init: () => Extract<ToWorker, { type: 'init' }>,
  ) {}

  /** To the worker that has the message's run (the page's own for any other message). */
  readonly send = (message: ToWorker): void => {
    const runId = 'runId' in message ? message.runId : undefined;
    (runId === undefined ? this.main : (this.owner.get(runId) ?? this.main)).postMessage(message);
  };

  /** Starts (once) `count` helpers, each loading the data and the backend `backend`. */
  start(count: number, backend: string): void {
    while (this.helpers.length < count) {
      const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
      let ready: () => void = () => {};
      const helper: Helper = { worker, busy: false, ready: new Promise((r) => (ready = r)) };
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const m = event.data;
        if (m.type === 'ready') ready();
        else if (m.type !== 'backend' && m.type !== 'data-progress') this.onMessage(m);
        const ended =
          (m.type === 'state' && (m.state === 'done' || m.state === 'stopped')) ||
          (m.type === 'error' && m.runId !== undefined);
        if (ended) this.letGo(helper);
      };
      // One thread each: the helpers share the cores between them (threads give the same bits).
      worker.postMessage({ ...this.init(), prefer: backend, wasmThreads: 1 });
      this.helpers.push(helper);
    }
  }

  /**
   * Trains run `runId` on the first free helper, if it is still `wanted` then; resolves when it has
   * been handed over (or let go).
   */
  async train(runId: number, settings: RunSettings, wanted: () => boolean): Promise<void> {
    for (;;) {
      const free = this.helpers.find((h) => !h.busy);
      if (!wanted()) return;
      if (free !== undefined) {
        free.busy = true;
        await free.ready;
        if (!wanted()) {
          this.letGo(free);
          return;
        }
        this.owner.set(runId, free.worker);
        // Every tenth step's loss: the page draws several runs at once.
        free.worker.postMessage({
          type: 'start',
          runId,
          settings,
          reportEvery: 10,
        } satisfies ToWorker);
        return;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  /** A helper free again: every waiting run looks for a free helper (the first takes it). */
  private letGo(helper: Helper): void {
    helper.busy = false;
    this.recheck();
  }

  /** Every run waiting for a helper looks again: for a free one, and whether it is still wanted. */
  recheck(): void {
    const woken = this.waiting;
    this.waiting = [];
    for (const wake of woken) wake();
  }

  /** Whether a helper is still training. */
  get busy(): boolean {
    return this.helpers.some((h) => h.busy);
  }
}
