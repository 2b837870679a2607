import type { EpochEventLine, ProbeEventLine } from '@mnist-lab/lesson';
import { formatPercent } from '@mnist-lab/lesson';
import cliProgress from 'cli-progress';
import type { Output } from '../output';
import { type CompareRun, runLabel } from './child-runs';

/**
 * On the first Ctrl-C (which the terminal also sends to every run), starts no further run and lets
 * the running ones stop after their step with a checkpoint; the second Ctrl-C quits at once.
 */
export function stopChildrenOnInterrupt(output: Output): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    output.log(
      '\nCtrl-C: the runs stop after their current step (Ctrl-C again to quit at once)...',
    );
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller.signal;
}

/**
 * Shows each run's progress: a bar per run on a terminal, a line per epoch otherwise; and every
 * epoch event on stdout with `--json`.
 */
export function runProgress(
  output: Output,
  runs: readonly CompareRun[],
  epochs: number,
  tty: boolean,
) {
  const bars = tty
    ? new cliProgress.MultiBar(
        {
          format: '{name} {bar} epoch {value}/{total} | test accuracy {acc}',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const barOf = new Map(
    runs.map((r) => [r, bars?.create(epochs, 0, { name: runLabel(r).padEnd(14), acc: '-' })]),
  );
  return {
    probe(_run: CompareRun, e: ProbeEventLine) {
      output.event({ ...e, event: 'probe' });
    },
    epoch(run: CompareRun, e: EpochEventLine) {
      const accuracy = `${formatPercent(e.testAccuracy)}%`;
      output.event({ ...e, event: 'epoch' });
      barOf.get(run)?.update(e.epoch, { acc: accuracy });
      if (!tty)
        output.log(`${runLabel(run)}: epoch ${e.epoch}/${epochs}, test accuracy ${accuracy}`);
    },
    stop() {
      bars?.stop();
    },
  };
}

/** `text` folded at spaces into lines of at most `width`, continuation lines indented. */
export function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines.join('\n');
}
