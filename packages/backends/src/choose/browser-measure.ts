import { installSpeedFixes } from '../kernels/register-kernels';
import type { BackendProbe, BackendReport, BrowserBackendName } from './backend-report';
import { timeBackends } from './measure';
import { nothingStarted, skippedOf, softwareAdapter, startedOf, tryInOrder } from './try-in-order';

/** One backend's speed on the caller's trial: training samples per second. */
export interface BackendMeasurement {
  readonly backend: BrowserBackendName;
  readonly device: string;
  readonly deviceKind: BackendReport['deviceKind'];
  readonly samplesPerSecond: number;
}

/** What {@link chooseByMeasurement} needs: how to start a backend, and the trial to time on it. */
export interface MeasureOptions {
  readonly order: readonly BrowserBackendName[];
  readonly start: (name: BrowserBackendName) => Promise<BackendReport>;
  /** A few real training steps of the chosen network on the active backend: samples per second. */
  readonly trial: () => Promise<number>;
  /** Also time backends on a software adapter (SwiftShader), which auto otherwise passes over. */
  readonly includeSoftware: boolean;
}

/**
 * Starts each backend in `order` that can start, times the trial on it, and makes the fastest the
 * active one (with its speed fixes): the choice by measurement, with every figure. A backend that
 * cannot start, or whose trial fails, is in `skipped` with the reason.
 */
export async function chooseByMeasurement(
  o: MeasureOptions,
): Promise<BackendReport & { skipped: BackendProbe[]; measured: BackendMeasurement[] }> {
  const skip = (backend: BrowserBackendName, error: unknown) =>
    skipped.push({
      backend,
      available: false,
      reason: error instanceof Error ? error.message : String(error),
    });
  const outcomes = await tryInOrder(
    o.order,
    async (name) => {
      const report = await o.start(name);
      if (report.deviceKind === 'software' && !o.includeSoftware)
        throw softwareAdapter(name, report.device, '?backend=measure times it too');
      return report;
    },
    { anyError: true },
  );
  const skipped = skippedOf(outcomes);
  const started = startedOf(outcomes).map((s) => ({ name: s.item, report: s.started }));
  const ready = async (report: BackendReport) => {
    installSpeedFixes(report.backend);
    return report;
  };
  const { best, timed } = await timeBackends(started, ready, o.trial, (c, error) =>
    skip(c.name, error),
  );
  if (best === undefined)
    throw nothingStarted(
      skipped.map((s) => s.reason ?? ''),
      'inline',
    );
  return {
    ...best,
    skipped,
    measured: timed.map(({ name, report, samplesPerSecond }) => ({
      backend: name,
      device: report.device,
      deviceKind: report.deviceKind,
      samplesPerSecond,
    })),
  };
}
