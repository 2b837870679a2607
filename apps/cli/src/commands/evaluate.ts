import { join } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { BatchLoader, KNOWN_DATASETS } from '@mnist-lab/data';
import type { Mlp } from '@mnist-lab/layers';
import { formatPercent, modelFromSpec } from '@mnist-lab/lesson';
import { type EvaluationResult, evaluate } from '@mnist-lab/trainer';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { loadData } from '../data-source';
import { UsageError } from '../errors';
import { loadWeights, readModelConfig } from '../model-dir';
import { matmulNote, Output } from '../output';
import { parseRunConfig } from '../run-config';
import { addDataOptions, addModelOptions, resolveRunConfig } from '../run-options';

export function registerEvaluateCommand(program: Command): void {
  const cmd = program
    .command('evaluate')
    .description(
      'evaluate a saved model (--model DIR) or a bare state dict (--weights FILE with --preset or architecture flags) on the test set',
    )
    .option('--model <dir>', 'a model directory saved by mnist-lab train')
    .option(
      '--weights <file>',
      "a safetensors state dict with the lesson Net's names (e.g. saved by PyTorch); the flags below give its architecture",
    );
  addModelOptions(cmd, { training: false });
  addDataOptions(cmd, { training: false })
    .option('--json', 'one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option(
      '--verbose',
      'also say how the matrix products were chosen (OpenBLAS: each kernel timed on this CPU)',
    )
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.opts<EvaluateFlags>();
      const output = new Output(opts);
      const { config, saved } = await evaluationConfig(command, opts);
      const report = await initBackend({ prefer: config.backend, blas: config.blas });
      output.log(
        output.c.dim(
          `backend: ${report.backend} on ${report.device}${matmulNote(report, '; ', output.verbose)}`,
        ),
      );
      const model: Mlp =
        saved !== undefined
          ? await loadWeights(saved.model, join(opts.model as string, 'model.safetensors'))
          : await loadWeights(modelFromSpec(config), opts.weights as string);
      try {
        const data = await loadData({ ...config, trainSize: undefined });
        const pixels = data.test.rows * data.test.cols;
        if (model.config.inputSize !== pixels)
          throw new UsageError(
            `${data.test.name}: images of ${data.test.rows}×${data.test.cols} = ${pixels} pixels, but the network takes ${model.config.inputSize} inputs`,
          );
        const known = KNOWN_DATASETS[config.dataset]?.classNames;
        const classNames =
          known?.length === model.config.numClasses
            ? [...known]
            : Array.from({ length: model.config.numClasses }, (_, i) => String(i));
        const result = await evaluate(
          model,
          new BatchLoader(data.test, { batchSize: config.batchSize, shuffle: false }),
        );
        output.event({
          event: 'evaluate',
          correct: result.correct,
          total: result.total,
          testAccuracy: result.accuracy,
          testLoss: result.loss,
          lessonTestLoss: result.lessonTestLoss,
          confusion: result.confusion,
          perClass: result.perClass,
          dataset: config.dataset,
          classNames,
          backend: report.backend,
        });
        printEvaluation(
          output,
          data.test.name.includes(config.dataset)
            ? data.test.name
            : `${data.test.name} (${config.dataset})`,
          result,
          classNames,
        );
      } finally {
        model.dispose();
      }
    });
}

interface EvaluateFlags {
  model?: string;
  weights?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * The settings of an evaluation: with `--model`, the network and data settings saved in its
 * `config.json` (flags may change only the data and backend); with `--weights`, the flags.
 */
async function evaluationConfig(command: Command, opts: EvaluateFlags) {
  if ((opts.model === undefined) === (opts.weights === undefined)) {
    throw new UsageError('evaluate: give exactly one of --model DIR or --weights FILE');
  }
  if (opts.model === undefined)
    return { config: await resolveRunConfig(command), saved: undefined };
  const architecture = ARCHITECTURE_KEYS.filter((k) => command.getOptionValueSource(k) === 'cli');
  if (architecture.length > 0)
    throw new UsageError(
      `evaluate: ${architecture.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} describe the network of --weights; with --model the network comes from ${join(opts.model, 'config.json')}`,
    );
  const saved = await readModelConfig(opts.model);
  const run = (saved.run ?? {}) as Record<string, unknown>;
  const base = Object.fromEntries(
    ['dataset', 'data', 'testSize', 'backend']
      .filter((k) => run[k] !== undefined)
      .map((k) => [k, run[k]]),
  );
  return { config: parseRunConfig({ ...base, ...flagsOnly(command) }, 'flags'), saved };
}

/** The evaluation for people: a summary line, the confusion matrix and per-class scores. */
function printEvaluation(
  output: Output,
  name: string,
  result: EvaluationResult,
  classNames: readonly string[],
): void {
  // Digits name themselves; other classes (Fashion-MNIST's) are shown as `index name`.
  const label = (i: number) =>
    classNames[i] === undefined || classNames[i] === String(i)
      ? String(i)
      : `${i} ${classNames[i]}`;
  output.line(
    `${name}: ${result.correct}/${result.total} correct, test accuracy ${output.c.bold(formatPercent(result.accuracy))} %, mean loss ${result.loss.toFixed(4)} (the lesson's test loss ${result.lessonTestLoss.toFixed(4)})`,
  );
  const style = { head: output.color ? ['cyan'] : [], border: output.color ? ['grey'] : [] };
  const confusion = new Table({
    head: ['true \\ predicted', ...result.confusion.map((_, i) => String(i))],
    style,
  });
  for (const [i, row] of result.confusion.entries()) confusion.push([label(i), ...row.map(String)]);
  output.line(confusion.toString());
  const perClass = new Table({ head: ['class', 'precision', 'recall', 'F1', 'support'], style });
  for (const c of result.perClass)
    perClass.push([
      label(c.label),
      c.precision.toFixed(4),
      c.recall.toFixed(4),
      c.f1.toFixed(4),
      String(c.support),
    ]);
  output.line(perClass.toString());
}

const ARCHITECTURE_KEYS = ['preset', 'activation', 'dropout', 'batchNorm', 'init', 'hidden'];

function flagsOnly(command: Command): Record<string, unknown> {
  const opts = command.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const key of ['dataset', 'data', 'testSize', 'backend', 'batchSize']) {
    if (command.getOptionValueSource(key) === 'cli') out[key] = opts[key];
  }
  return out;
}
