import manifest from '../package.json' with { type: 'json' };

/** The lab's version: the producer version of the models it exports. */
export const LAB_VERSION: string = manifest.version;
