import type { BackendMeasurement, BackendReport } from '@mnist-lab/backends/browser';
import { describeMeasurements } from '@mnist-lab/backends/browser';
import type { FromWorker } from './protocol';

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
const KNOWN_BACKENDS = ['auto', 'measure', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
const isKnownBackend = (name: string) => (KNOWN_BACKENDS as readonly string[]).includes(name);

/**
 * What the page says of a `?backend=` it does not know (`foo`, `WASM`, empty): that it is passing it
 * over for `auto`; undefined for a known one.
 */
export function unknownBackendNote(fromUrl: string | undefined): string | undefined {
  if (fromUrl === undefined || isKnownBackend(fromUrl)) return undefined;
  return `?backend=${JSON.stringify(fromUrl).slice(0, 40)} is not a backend the lab knows (${KNOWN_BACKENDS.join(', ')}): starting with auto instead.`;
}

/**
 * What the page says of the backend, keeping a new timing for the next visit: one short `line`
 * (the backend and device), and the `details` of how it was chosen (timings, backends passed over
 * and why), which the page keeps behind a disclosure.
 */
export function describeBackend(
  m: Extract<FromWorker, { type: 'backend' }>,
  asked: string,
): { line: string; details: string } {
  const r: BackendReport = m.report;
  const base = `Backend: ${r.backend} on ${r.device} (${r.deviceKind}${r.threads > 1 ? `, ${r.threads} threads` : ''})`;
  const skipped = m.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  let timing = '';
  if (m.measured.length > 0) {
    timing = ` — timed here: ${describeMeasurements(m.measured, r.backend)}`;
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
    if (before !== undefined && before.backend === asked && before.measured.length > 1)
      timing = ` — chosen by timing on this device (${describeMeasurements(before.measured, before.backend)}; ?backend=measure times them again)`;
  }
  const details = `${timing}${skipped === '' ? '' : ` — passed over: ${skipped}`}`;
  return { line: base, details: details.replace(/^ — /, '') };
}
