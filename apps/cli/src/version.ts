import manifest from '../package.json' with { type: 'json' };

/** mnist-lab's version: `--version`, and the producer version of exported models. */
export const MNIST_LAB_VERSION: string = manifest.version;
