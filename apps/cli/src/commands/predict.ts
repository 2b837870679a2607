import { basename } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { imageToMnist } from '@mnist-lab/data';
import { BACKEND_CHOICES, probabilities } from '@mnist-lab/lesson';
import * as tf from '@tensorflow/tfjs-core';
import { type Command, Option } from 'commander';
import { readImage } from '../digit-image';
import { UsageError } from '../errors';
import { loadModelDir } from '../model-dir';
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
        // One image at a time: each is decoded, shrunk to 28×28 and let go before the next.
        const pixels: Float32Array[] = [];
        for (const file of images) pixels.push(imageToMnist(await readImage(file), file));
        await initBackend({ prefer: opts.backend as never });
        const { model } = await loadModelDir(opts.model);
        if (model.config.inputSize !== 784) {
          model.dispose();
          throw new UsageError(
            `--model ${opts.model}: the network takes ${model.config.inputSize} inputs; predict gives it 28×28 = 784 pixels per image (train on 28×28 images to use predict)`,
          );
        }
        try {
          const x = tf.tensor2d(
            pixels.flatMap((p) => Array.from(p)),
            [pixels.length, 784],
          );
          const probs = probabilities(model, x);
          x.dispose();
          const rows = (await probs.array()) as number[][];
          probs.dispose();
          for (const [i, row] of rows.entries()) {
            const prediction = row.indexOf(Math.max(...row));
            const file = images[i] as string;
            output.event({ event: 'predict', file, prediction, probabilities: row });
            const top = row
              .map((p, c) => [c, p] as const)
              .sort((a, b) => b[1] - a[1])
              .slice(0, 3)
              .map(([c, p]) => `${c}: ${(p * 100).toFixed(1)}%`)
              .join(', ');
            output.line(`${basename(file)}: ${output.c.bold(String(prediction))}  (${top})`);
          }
        } finally {
          model.dispose();
        }
      },
    );
}
