import type { BackendReport } from '@mnist-lab/backends';
import type { BatchEvent, EpochRecord } from '@mnist-lab/trainer';
import cliProgress from 'cli-progress';
import pc from 'picocolors';

/** How a command prints: JSON lines on stdout, a terminal with progress bars, or quiet. */
export interface OutputOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** Say how the backend chose its matrix products (OpenBLAS's kernel timings) on every run. */
  readonly verbose?: boolean;
}

/**
 * `<sep>matrix products: …` when the backend reports what computes them (wasm), else nothing: in a
 * few words, or with how they were chosen (OpenBLAS's kernel timings) where `verbose`.
 */
export function matmulNote(report: BackendReport, sep = '; ', verbose = false): string {
  const what = verbose ? report.matmul : (report.matmulSummary ?? report.matmul);
  return what ? `${sep}matrix products: ${what}` : '';
}

/**
 * Every command's output. With `--json`, stdout carries one JSON object per line and nothing else;
 * logs go to stderr. On a terminal, progress bars (stderr) and colour; colour only on a TTY.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  private readonly tty: boolean;
  private readonly colors: ReturnType<typeof pc.createColors>;
  private bar: cliProgress.SingleBar | undefined;

  constructor(options: OutputOptions = {}) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    this.tty = process.stderr.isTTY === true && !this.json;
    this.colors = pc.createColors(this.color);
  }

  /** Whether stdout gets colour (a TTY, no `--json`, no NO_COLOR). */
  get color(): boolean {
    return process.stdout.isTTY === true && !this.json && !('NO_COLOR' in process.env);
  }

  get c(): ReturnType<typeof pc.createColors> {
    return this.colors;
  }

  /** One JSON event on stdout (with `--json`). */
  event(event: Record<string, unknown>): void {
    if (this.json) process.stdout.write(`${JSON.stringify(event)}\n`);
  }

  /** A result line on stdout (not with `--json` or `--quiet`). */
  line(text = ''): void {
    if (!this.json && !this.quiet) process.stdout.write(`${text}\n`);
  }

  /** An error line on stderr, always (also with `--quiet` and `--json`): `mnist-lab: <text>`. */
  error(text: string): void {
    process.stderr.write(`mnist-lab: ${text}\n`);
  }

  /** A log line on stderr (not with `--quiet`). */
  log(text: string): void {
    if (!this.quiet) process.stderr.write(`${text}\n`);
  }

  /** Shows training progress within an epoch: a bar on a terminal, nothing otherwise. */
  progress(e: BatchEvent, epochs: number): void {
    if (!this.tty || this.quiet || e.batchesPerEpoch === undefined) return;
    if (this.bar === undefined) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `Epoch {epoch}/${epochs} {bar} {percentage}% | {value}/{total} | {speed} samples/s | loss {loss} | ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(e.batchesPerEpoch, 0, { epoch: e.epoch, speed: '-', loss: '-' });
    }
    this.bar.update(e.batch, {
      epoch: e.epoch,
      speed: Math.round(e.samplesPerSecond),
      loss: e.meanLoss.toFixed(4),
    });
    if (e.batch >= e.batchesPerEpoch) this.endProgress();
  }

  endProgress(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** The lesson's per-epoch line: `[EPOCH: 1], Test Loss: 0.0101, Test Accuracy: 90.89 %`. */
  epochLine(record: EpochRecord): void {
    const v = record.validation;
    const test =
      v === undefined
        ? ''
        : `\tTest Loss: ${v.lessonTestLoss.toFixed(4)}, \tTest Accuracy: ${this.c.bold((v.accuracy * 100).toFixed(2))} %`;
    this.line(
      `[EPOCH: ${record.epoch}], ${test}\t(train loss ${record.trainLoss.toFixed(4)}, ${record.seconds.toFixed(1)} s, ${Math.round(record.samplesPerSecond)} samples/s)`,
    );
  }
}
