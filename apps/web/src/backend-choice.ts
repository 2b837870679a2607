import type { BackendMeasurement, BackendReport } from '@mnist-lab/backends/browser';
import { describeMeasurements } from '@mnist-lab/backends/browser';
import { BROWSER_BACKENDS, isOneOf } from '@mnist-lab/contracts';
import type { FromWorker } from './protocol';
import { words } from './words';

/** The choice made by timing the backends on this device, kept across visits. */
interface Remembered {
  readonly key: string;
  readonly backend: string;
  readonly measured: readonly BackendMeasurement[];
  readonly at: string;
}

const STORAGE = 'mnist-lab-backend';
/** This browser on this machine: the choice is per device. */
const deviceKey = () => `${navigator.userAgent}|${navigator.hardwareConcurrency}`;

function remembered(): Remembered | undefined {
  try {
    const r = JSON.parse(localStorage.getItem(STORAGE) ?? 'null') as Remembered | null;
    return r !== null && r.key === deviceKey() ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The backend to ask the worker for: `?backend=` (a name, `auto` or `measure`); else the one
 * timed fastest here before; else `auto`, which times them (about a second) and keeps the fastest.
 */
export function backendToAsk(fromUrl: string | undefined): string {
  if (fromUrl !== undefined && !isKnownBackend(fromUrl)) return 'auto';
  return fromUrl ?? remembered()?.backend ?? 'auto';
}

/** What `?backend=` may name: a backend the lab starts, `auto`, or `measure`. */
const KNOWN_BACKENDS = ['auto', 'measure', ...BROWSER_BACKENDS] as const;
const isKnownBackend = (name: string) => isOneOf(KNOWN_BACKENDS, name);

/**
 * What the page says of a `?backend=` it does not know (`foo`, `WASM`, empty): that it is passing it
 * over for `auto`; undefined for a known one.
 */
export function unknownBackendNote(fromUrl: string | undefined): string | undefined {
  if (fromUrl === undefined || isKnownBackend(fromUrl)) return undefined;
  return words().unknownBackend(JSON.stringify(fromUrl).slice(0, 40), KNOWN_BACKENDS.join(', '));
}

/**
 * What the page says of the backend, keeping a new timing for the next visit: one short `line`
 * (the backend and device), and the `details` of how it was chosen (timings, backends passed over
 * and why), which the page keeps behind a disclosure. A function of the page's language, so that
 * the line can be said again after a switch.
 */
export function describeBackend(
  m: Extract<FromWorker, { type: 'backend' }>,
  asked: string,
): () => { line: string; details: string } {
  const r: BackendReport = m.report;
  const skipped = (w: ReturnType<typeof words>) =>
    m.skipped.map((s) => `${s.backend}: ${w.reason(s.reason ?? '')}`).join('; ');
  let timing: ((w: ReturnType<typeof words>) => string) | undefined;
  if (m.measured.length > 0) {
    const measured = describeMeasurements(m.measured, r.backend);
    timing = (w) => w.timedHere(w.measured(measured));
    if (m.measured.length > 1) {
      const entry: Remembered = {
        key: deviceKey(),
        backend: r.backend,
        measured: m.measured,
        at: new Date().toISOString(),
      };
      localStorage.setItem(STORAGE, JSON.stringify(entry));
    }
  } else {
    const before = remembered();
    if (before !== undefined && before.backend === asked && before.measured.length > 1) {
      const measured = describeMeasurements(before.measured, before.backend);
      timing = (w) => w.timedBefore(w.measured(measured));
    }
  }
  return () => {
    const w = words();
    const parts = [timing?.(w), m.skipped.length === 0 ? undefined : w.passedOver(skipped(w))];
    return {
      line: w.backend(r.backend, w.device(r.device), w.deviceKind(r.deviceKind), r.threads),
      details: parts.filter((p) => p !== undefined).join(' — '),
    };
  };
}
