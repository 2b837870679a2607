import { ACTIVATION_NAMES, INIT_NAMES } from '@mnist-lab/layers';

export const ACTIVATION_CHOICES: readonly string[] = ACTIVATION_NAMES;
export const INIT_CHOICES: readonly string[] = INIT_NAMES.filter((n) => n !== 'constant');
