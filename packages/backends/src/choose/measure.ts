import type { BackendReport } from './backend-report';
import { setBackendOrThrow } from './start-backend';

/** A started backend with what its trial gave: training samples per second. */
export type Timed<T> = T & { readonly samplesPerSecond: number };

/**
 * The core of `auto` by measurement, in Node and in browsers alike: makes each started backend the
 * active one, readies it (`ready`: its speed fixes), times `trial` on it, then makes the fastest
 * active and ready again. A trial that throws goes to `failed` (that backend is left out) or, with
 * no `failed`, out of this function. `best` is undefined when no trial succeeded.
 */
export async function timeBackends<T extends { readonly report: BackendReport }>(
  started: readonly T[],
  ready: (report: BackendReport) => Promise<BackendReport>,
  trial: () => Promise<number>,
  failed?: (candidate: T, error: unknown) => void,
): Promise<{ readonly best?: BackendReport; readonly timed: Timed<T>[] }> {
  const timed: Timed<T>[] = [];
  for (const candidate of started) {
    try {
      await setBackendOrThrow(candidate.report.backend, candidate.report.packageName);
      await ready(candidate.report);
      timed.push({ ...candidate, samplesPerSecond: await trial() });
    } catch (error) {
      if (failed === undefined) throw error;
      failed(candidate, error);
    }
  }
  const fastest = timed.reduce<Timed<T> | undefined>(
    (a, b) => (a === undefined || b.samplesPerSecond > a.samplesPerSecond ? b : a),
    undefined,
  );
  if (fastest === undefined) return { timed };
  // Already started once: switching back to it is enough (a second start would, for wasm, set its
  // paths again, which tfjs refuses once it is initialized).
  await setBackendOrThrow(fastest.report.backend, fastest.report.packageName);
  return { best: await ready(fastest.report), timed };
}

/** `webgpu 46 samples/s, wasm 4016: using wasm`: each backend timed, and the one chosen. */
export function describeMeasurements(
  measured: readonly { readonly backend: string; readonly samplesPerSecond: number }[],
  chosen: string,
): string {
  return `${measured.map((m) => `${m.backend} ${Math.round(m.samplesPerSecond)}`).join(', ')} samples/s: using ${chosen}`;
}
