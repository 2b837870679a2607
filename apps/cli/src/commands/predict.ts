import { basename } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { imageToMnist } from '@mnist-lab/data';
import { MnistLabError } from '@mnist-lab/errors';
import type { Mlp } from '@mnist-lab/layers';
import { BACKEND_CHOICES, probabilities } from '@mnist-lab/lesson';
import * as tf from '@tensorflow/tfjs-core';
import { type Command, Option } from 'commander';
import { readImage } from '../digit-image';
import { UsageError } from '../errors';
import { loadModelDir, modelDataset } from '../model-dir';
import { nodeBackend } from '../options';
import { Output } from '../output';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('classify images of digits (PNG or JPEG, any size and colour) with a saved model')
    .argument('<images...>', 'image files')
    .requiredOption('--model <dir>', 'a model directory saved by mnist-lab train')
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(BACKEND_CHOICES).default('auto'),
    )
    .option('--json', 'one JSON object per image on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(
      async (
        images: string[],
        opts: { model: string; backend: string; json?: boolean; quiet?: boolean },
      ) => {
        const output = new Output(opts);
        await initBackend({ prefer: nodeBackend(opts.backend) });
        const { model, config } = await loadModelDir(opts.model);
        try {
          if (model.config.inputSize !== 784)
            throw new UsageError(
              `--model ${opts.model}: the network takes ${model.config.inputSize} inputs; predict gives it 28×28 = 784 pixels per image (train on 28×28 images to use predict)`,
            );
          const dataset = modelDataset(config);
          output.log(
            output.c.dim(
              `model: ${opts.model}, trained on ${dataset.label} (classes ${dataset.classNames.join(', ')})`,
            ),
          );
          let failed = 0;
          // One image at a time: each is decoded, shrunk to 28×28, classified and let go before
          // the next; a file that cannot be read is said and skipped, and the others go on.
          for (const file of images) {
            const pixels = await readPixels(file);
            if (typeof pixels === 'string') {
              failed++;
              output.event({ event: 'predict', file, error: pixels });
              output.error(`${file}: ${pixels}`);
              continue;
            }
            const row = await classify(model, pixels);
            const prediction = row.indexOf(Math.max(...row));
            const className = dataset.classNames[prediction] ?? String(prediction);
            output.event({
              event: 'predict',
              file,
              prediction,
              className,
              dataset: dataset.name,
              probabilities: row,
            });
            const top = row
              .map((p, c) => [dataset.classNames[c] ?? String(c), p] as const)
              .sort((a, b) => b[1] - a[1])
              .slice(0, 3)
              .map(([c, p]) => `${c}: ${(p * 100).toFixed(1)}%`)
              .join(', ');
            output.line(`${basename(file)}: ${output.c.bold(className)}  (${top})`);
          }
          if (failed > 0) {
            output.error(
              `${failed} of ${images.length} image${images.length === 1 ? '' : 's'} could not be classified (above); the others were`,
            );
            process.exitCode = 1;
          }
        } finally {
          model.dispose();
        }
      },
    );
}

/** An image file as the network's 784 inputs, or what was wrong with it (a bad file, in words). */
async function readPixels(file: string): Promise<Float32Array | string> {
  try {
    return imageToMnist(await readImage(file), file);
  } catch (error) {
    if (error instanceof UsageError || MnistLabError.isInstance(error))
      return error.message.startsWith(file) ? error.message.slice(file.length + 2) : error.message;
    throw error;
  }
}

/** The network's probabilities for one image. */
async function classify(model: Mlp, pixels: Float32Array): Promise<number[]> {
  const x = tf.tensor2d(pixels, [1, 784]);
  const probs = probabilities(model, x);
  x.dispose();
  const [row] = (await probs.array()) as number[][];
  probs.dispose();
  return row ?? [];
}
