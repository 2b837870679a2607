import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlasMode, initBackend } from '@mnist-lab/backends';
import {
  type EpochEventLine,
  LESSON_PRESET_NAMES,
  LESSON_PRESET_TITLES,
  LESSON_RESULTS,
  type LessonPreset,
  parseRunEvent,
} from '@mnist-lab/lesson';
import { writeFileAtomic } from '@mnist-lab/trainer/node';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { lineChart, type SeriesPoint } from '../charts';
import { nameList, positiveInt } from '../options';
import { matmulNote, Output } from '../output';
import { claimRunFolder } from '../run-folder';
import { addDataOptions } from '../run-options';
import { meanStd } from '../stats';

/** One epoch of one run, as `train --json` reports it. */
type EpochEvent = EpochEventLine;

interface CompareOptions {
  presets?: LessonPreset[];
  seeds: number;
  epochs?: number;
  jobs?: number;
  quick?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  dataset?: string;
  data?: string;
  trainSize?: number;
  testSize?: number;
  backend?: string;
  blas?: BlasMode;
}

/** Per preset and epoch: our mean ± std over seeds, and the lesson's number. */
export interface SummaryRow {
  readonly epoch: number;
  readonly accuracy: { mean: number; std: number; n: number };
  readonly seedTestLoss: { mean: number; std: number; n: number };
  readonly lessonAccuracy: number | undefined;
  readonly lessonSeedTestLoss: number | undefined;
}

const cliPath = fileURLToPath(new URL('./cli.js', import.meta.url));

/** Runs `train --json` in a child process and streams its epoch events. */
function runChild(
  args: string[],
  onEpoch: (e: EpochEvent) => void,
  stop: AbortSignal,
): Promise<{ code: number | null; stderr: string; model?: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cliPath, 'train', ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // SIGTERM stops a run as Ctrl-C does (after its step, with a checkpoint), also when only this
    // process was sent the interrupt.
    const forward = () => child.kill('SIGTERM');
    stop.addEventListener('abort', forward, { once: true });
    child.on('exit', () => stop.removeEventListener('abort', forward));
    let buffer = '';
    let stderr = '';
    let model: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (line.trim() === '') continue;
        const event = parseRunEvent(line);
        if (event === undefined) {
          stderr += `${line}\n`;
          continue;
        }
        if (event.event === 'epoch') onEpoch(event);
        if (event.event === 'done') model = event.model;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('exit', (code) =>
      resolvePromise({ code, stderr, ...(model === undefined ? {} : { model }) }),
    );
  });
}

/**
 * On the first Ctrl-C (which the terminal also sends to every run), starts no further run and lets
 * the running ones stop after their step with a checkpoint; the second Ctrl-C quits at once.
 */
function stopChildrenOnInterrupt(output: Output): AbortSignal {
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

const fmt = (m: { mean: number; std: number; n: number }, digits = 2) =>
  Number.isNaN(m.mean)
    ? '—'
    : m.n > 1
      ? `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`
      : m.mean.toFixed(digits);

export function registerCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description(
      "run the lesson's experiments (default: its four networks, 10 epochs) over seeds, in parallel, and report",
    )
    .option(
      '--presets <names>',
      `networks to compare (default ${LESSON_PRESET_NAMES.join(',')})`,
      nameList(LESSON_PRESET_NAMES),
    )
    .option('--seeds <n>', 'seeds per network: 1..N', positiveInt, 1)
    .option('--epochs <n>', 'epochs per run (default 10; 1 with --quick)', positiveInt)
    .option(
      '--jobs <n>',
      'runs in parallel (default: one per core on a single-threaded backend)',
      positiveInt,
    )
    .option('--quick', "a one-minute version: one epoch of each network (the lesson's first row)")
    .option(
      '--out <dir>',
      'report folder (default mnist-lab-report, mnist-lab-report-quick with --quick, or the next free <…>-2, <…>-3)',
    )
    .option('--force', 'with --out: replace what another report left in that folder');
  addDataOptions(cmd)
    .option('--json', 'one JSON object per line on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (opts: CompareOptions) => {
      const output = new Output(opts);
      const presets = opts.presets ?? LESSON_PRESET_NAMES;
      const epochs = opts.epochs ?? (opts.quick ? 1 : 10);
      const trainSize = opts.trainSize;
      const lock = await claimRunFolder({
        dir: opts.out ?? (opts.quick ? 'mnist-lab-report-quick' : 'mnist-lab-report'),
        flag: '--out',
        explicit: opts.out !== undefined,
        force: opts.force === true,
        kind: 'compare',
        name: `${presets.join(',')} × ${opts.seeds} seed${opts.seeds > 1 ? 's' : ''}, ${epochs} epoch${epochs > 1 ? 's' : ''}`,
        log: (m) => output.log(m),
      });
      const reportDir = lock.dir;
      const stopping = stopChildrenOnInterrupt(output);
      const backend = await initBackend({
        prefer: (opts.backend ?? 'auto') as never,
        blas: opts.blas ?? 'auto',
      });
      const singleThreaded = backend.deviceKind === 'cpu' && backend.threads === 1;
      const jobs = opts.jobs ?? (singleThreaded ? availableParallelism() : 1);
      const runs = presets.flatMap((preset) =>
        Array.from({ length: opts.seeds }, (_, i) => ({ preset, seed: i + 1 })),
      );
      output.log(
        `${runs.length} runs (${presets.join(', ')} × ${opts.seeds} seed${opts.seeds > 1 ? 's' : ''}), ${epochs} epochs each, ${jobs} at a time on ${backend.backend} (${backend.device}${matmulNote(backend)}); report: ${reportDir}`,
      );
      await mkdir(join(reportDir, 'runs'));

      const events: EpochEvent[] = [];
      const failures: string[] = [];
      const models: Record<string, string> = {};
      const tty = process.stderr.isTTY === true && !opts.json && !opts.quiet;
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
      const started = performance.now();
      const queue = [...runs];
      const worker = async () => {
        for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
          if (stopping.aborted) break;
          const name = `${run.preset}-seed${run.seed}`;
          const bar = bars?.create(epochs, 0, { name: name.padEnd(14), acc: '-' });
          const args = [
            '--preset',
            run.preset,
            '--seed',
            String(run.seed),
            '--epochs',
            String(epochs),
            '--out',
            join(reportDir, 'runs', name),
          ];
          for (const [flag, value] of [
            ['--backend', opts.backend],
            ['--blas', opts.blas],
            ['--dataset', opts.dataset],
            ['--data', opts.data],
            ['--train-size', trainSize],
            ['--test-size', opts.testSize],
          ] as const) {
            if (value !== undefined) args.push(flag, String(value));
          }
          const result = await runChild(
            args,
            (e) => {
              events.push(e);
              output.event({ ...e, event: 'epoch' });
              bar?.update(e.epoch, { acc: `${(e.testAccuracy ?? Number.NaN).toFixed(2)}%` });
              if (!tty)
                output.log(
                  `${name}: epoch ${e.epoch}/${epochs}, test accuracy ${(e.testAccuracy ?? Number.NaN).toFixed(2)}%`,
                );
            },
            stopping,
          );
          if (result.code === 130) continue;
          if (result.code !== 0)
            failures.push(
              `${name} exited with code ${result.code}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`,
            );
          if (result.model !== undefined) models[name] = result.model;
        }
      };
      await Promise.all(Array.from({ length: Math.min(jobs, runs.length) }, worker));
      bars?.stop();
      const wallSeconds = (performance.now() - started) / 1000;

      const summary: Record<string, SummaryRow[]> = {};
      for (const preset of presets) {
        summary[preset] = Array.from({ length: epochs }, (_, i) => {
          const mine = events.filter((e) => e.config === preset && e.epoch === i + 1);
          const lesson = LESSON_RESULTS[preset][i];
          return {
            epoch: i + 1,
            accuracy: meanStd(mine.map((e) => e.testAccuracy ?? Number.NaN)),
            seedTestLoss: meanStd(mine.map((e) => e.seedTestLoss ?? Number.NaN)),
            lessonAccuracy: lesson?.testAccuracy,
            lessonSeedTestLoss: lesson?.seedTestLoss,
          };
        });
      }

      const table = new Table({
        head: ['epoch', ...presets.flatMap((p) => [`${p} (ours)`, `${p} (lesson)`])],
        style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [] },
      });
      for (let i = 0; i < epochs; i++)
        table.push([
          String(i + 1),
          ...presets.flatMap((p) => [
            fmt(summary[p]?.[i]?.accuracy ?? meanStd([])),
            summary[p]?.[i]?.lessonAccuracy?.toFixed(2) ?? '—',
          ]),
        ]);
      output.line(
        `Test accuracy (%) per epoch${opts.seeds > 1 ? `, mean ± std over ${opts.seeds} seeds` : ''}:`,
      );
      output.line(table.toString());

      const points = (
        pick: (r: SummaryRow) => number,
        lesson: (r: SummaryRow) => number | undefined,
      ): SeriesPoint[] =>
        presets.flatMap((p) =>
          (summary[p] ?? []).flatMap((r) => [
            ...(Number.isNaN(pick(r))
              ? []
              : [{ series: p, epoch: r.epoch, value: pick(r), source: 'ours' as const }]),
            ...(lesson(r) === undefined
              ? []
              : [
                  {
                    series: p,
                    epoch: r.epoch,
                    value: lesson(r) as number,
                    source: 'lesson' as const,
                  },
                ]),
          ]),
        );
      const accuracyChart = await lineChart(
        'Test accuracy per epoch',
        'test accuracy (%)',
        points(
          (r) => r.accuracy.mean,
          (r) => r.lessonAccuracy,
        ),
      );
      const lossChart = await lineChart(
        'Test loss per epoch (as the lesson prints it)',
        'test loss',
        points(
          (r) => r.seedTestLoss.mean,
          (r) => r.lessonSeedTestLoss,
        ),
      );
      for (const [name, chart] of [
        ['accuracy', accuracyChart],
        ['loss', lossChart],
      ] as const) {
        await writeFileAtomic(join(reportDir, `${name}.svg`), chart.svg);
        await writeFileAtomic(join(reportDir, `${name}.png`), chart.png);
      }

      const settings = {
        presets,
        seeds: opts.seeds,
        epochs,
        trainSize: trainSize ?? 'all',
        testSize: opts.testSize ?? 'all',
        dataset: opts.dataset ?? 'mnist',
        jobs,
      };
      const machine = {
        cpu: cpus()[0]?.model.trim(),
        cores: cpus().length,
        node: process.version,
        backend: backend.backend,
        device: backend.device,
        matmul: backend.matmul,
      };
      const results = {
        generated: new Date().toISOString(),
        machine,
        settings,
        wallSeconds,
        summary,
        runs: runs.map((r) => ({
          ...r,
          model: models[`${r.preset}-seed${r.seed}`],
          epochs: events
            .filter((e) => e.config === r.preset && e.seed === r.seed)
            .sort((a, b) => a.epoch - b.epoch),
        })),
        failures,
      };
      await writeFileAtomic(
        join(reportDir, 'results.json'),
        `${JSON.stringify(results, null, 2)}\n`,
      );
      await writeFileAtomic(
        join(reportDir, 'report.md'),
        reportMarkdown(
          presets,
          epochs,
          opts.seeds,
          summary,
          settings,
          machine,
          wallSeconds,
          failures,
        ),
      );
      output.line(
        `\n${runs.length} runs in ${wallSeconds.toFixed(0)} s; report in ${reportDir} (report.md, results.json, accuracy.svg/png, loss.svg/png)`,
      );
      output.event({ event: 'compare', report: reportDir, wallSeconds, summary, failures });
      lock.release();
      if (stopping.aborted) {
        output.log(
          `stopped; each interrupted run kept its checkpoint under ${join(reportDir, 'runs')} (continue one with npx mnist-lab train --resume DIR)`,
        );
        process.exitCode = 130;
        return;
      }
      if (failures.length > 0) {
        for (const f of failures) output.log(`failed: ${f}`);
        process.exitCode = 1;
      }
    });
}

function reportMarkdown(
  presets: readonly LessonPreset[],
  epochs: number,
  seeds: number,
  summary: Record<string, SummaryRow[]>,
  settings: Record<string, unknown>,
  machine: Record<string, unknown>,
  wallSeconds: number,
  failures: readonly string[],
): string {
  // One row per epoch: ours and the lesson's, side by side for each network.
  const table = (
    ours: (r: SummaryRow | undefined) => string,
    lesson: (r: SummaryRow | undefined) => string | undefined,
  ) => [
    `| epoch | ${presets.map((p) => `${p} (ours) | ${p} (lesson)`).join(' | ')} |`,
    `| --- | ${presets.map(() => '--- | ---').join(' | ')} |`,
    ...Array.from(
      { length: epochs },
      (_, i) =>
        `| ${i + 1} | ${presets.map((p) => `${ours(summary[p]?.[i])} | ${lesson(summary[p]?.[i]) ?? '—'}`).join(' | ')} |`,
    ),
  ];
  const lines = [
    '# mnist-lab compare',
    '',
    `The lesson's experiments reproduced with mnist-lab: ${presets.map((p) => `**${p}** (${LESSON_PRESET_TITLES[p]})`).join(', ')}; ${epochs} epochs, ${seeds} seed${seeds > 1 ? 's' : ''} each (seeds 1..${seeds}), SGD lr 0.01 momentum 0.5, batch 32.`,
    '',
    `Settings: \`${JSON.stringify(settings)}\`. Machine: \`${JSON.stringify(machine)}\`. Wall time: ${wallSeconds.toFixed(0)} s.`,
    '',
    `## Test accuracy (%)${seeds > 1 ? `, mean ± std over ${seeds} seeds` : ''}, beside the lesson's printed numbers`,
    '',
    ...table(
      (r) => fmt(r?.accuracy ?? meanStd([])),
      (r) => r?.lessonAccuracy?.toFixed(2),
    ),
    '',
    "## Test loss (the lesson's: sum of batch means / examples)",
    '',
    ...table(
      (r) => fmt(r?.seedTestLoss ?? meanStd([]), 4),
      (r) => r?.lessonSeedTestLoss?.toFixed(4),
    ),
    '',
    '![Test accuracy per epoch](accuracy.svg)',
    '',
    '![Test loss per epoch](loss.svg)',
    '',
    "Solid lines: ours (the mean over seeds). Dashed: the lesson's single run. Every run's epochs, and its model, are in `results.json` and `runs/`.",
    ...(failures.length > 0 ? ['', '## Failed runs', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ];
  return lines.join('\n');
}
