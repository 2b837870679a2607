import { ArgumentError } from '@mnist-lab/errors';
import type { Rng } from '@mnist-lab/random';
import { calculateGain, type Nonlinearity } from './calculate-gain';

/** Initializer names, as configs and the CLI's `--init` spell them. */
export const INIT_NAMES = [
  'torch-default',
  'lecun-normal',
  'lecun-uniform',
  'xavier-normal',
  'xavier-uniform',
  'he-normal',
  'he-uniform',
  'zeros',
  'ones',
  'constant',
] as const;
/** One of {@link INIT_NAMES}. */
export type InitName = (typeof INIT_NAMES)[number];

/** An initializer with its options. Defaults are PyTorch's for the same function. */
export interface InitConfig {
  readonly name: InitName;
  /** Which fan scales the He (Kaiming) initializers. Defaults to `fanIn`. */
  readonly mode?: 'fanIn' | 'fanOut';
  /** The nonlinearity whose gain scales He and Xavier. He defaults to `leaky_relu`, Xavier to `linear`. */
  readonly nonlinearity?: Nonlinearity;
  /** Leaky ReLU's negative slope for the gain (PyTorch's `a`). Defaults to 0. */
  readonly a?: number;
  /** The value of `constant`. */
  readonly value?: number;
}

/** Fan-in and fan-out of a weight of shape `[out, in]` (PyTorch's layout). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new ArgumentError(
      'fans',
      `fans: need a weight of at least 2 dimensions, got shape [${shape.join(', ')}]`,
    );
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (shape[1] as number) * receptive, fanOut: (shape[0] as number) * receptive };
}

/** What an initializer samples from, in closed form: for documentation, tests and reports. */
export type InitDistribution =
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'constant'; readonly value: number };

/**
 * The distribution an initializer draws a weight of `shape` from, with PyTorch's formulas:
 * `torch-default` is `kaiming_uniform_(a=sqrt(5))`, i.e. U(±1/sqrt(fan_in)); He is
 * `kaiming_*_` (gain · sqrt(3/fan) or gain/sqrt(fan)); Xavier is `xavier_*_`; LeCun is He with
 * gain 1 and fan_in.
 */
export function initDistribution(
  init: InitName | InitConfig,
  shape: readonly number[],
): InitDistribution {
  const config: InitConfig = typeof init === 'string' ? { name: init } : init;
  const needFans = () => fans(shape);
  switch (config.name) {
    case 'torch-default':
      return { kind: 'uniform', bound: 1 / Math.sqrt(needFans().fanIn) };
    case 'lecun-uniform':
      return { kind: 'uniform', bound: Math.sqrt(3 / needFans().fanIn) };
    case 'lecun-normal':
      return { kind: 'normal', std: 1 / Math.sqrt(needFans().fanIn) };
    case 'xavier-uniform':
    case 'xavier-normal': {
      const { fanIn, fanOut } = needFans();
      const gain = calculateGain(config.nonlinearity ?? 'linear', config.a);
      const std = gain * Math.sqrt(2 / (fanIn + fanOut));
      return config.name === 'xavier-uniform'
        ? { kind: 'uniform', bound: Math.sqrt(3) * std }
        : { kind: 'normal', std };
    }
    case 'he-uniform':
    case 'he-normal': {
      const f = needFans();
      const fan = (config.mode ?? 'fanIn') === 'fanIn' ? f.fanIn : f.fanOut;
      const gain = calculateGain(config.nonlinearity ?? 'leaky_relu', config.a ?? 0);
      const std = gain / Math.sqrt(fan);
      return config.name === 'he-uniform'
        ? { kind: 'uniform', bound: Math.sqrt(3) * std }
        : { kind: 'normal', std };
    }
    case 'zeros':
      return { kind: 'constant', value: 0 };
    case 'ones':
      return { kind: 'constant', value: 1 };
    case 'constant':
      if (config.value === undefined || !Number.isFinite(config.value)) {
        throw new ArgumentError(
          'initializer',
          `initializer 'constant' needs a finite value, got ${config.value}`,
        );
      }
      return { kind: 'constant', value: config.value };
    default:
      config.name satisfies never;
      throw new ArgumentError(
        'init',
        `unknown initializer '${String(config.name)}'; expected one of ${INIT_NAMES.join(', ')}`,
      );
  }
}

/** Samples `count` values from a distribution with a seeded generator, as float32. */
export function sample(dist: InitDistribution, count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (dist.kind) {
    case 'uniform':
      for (let i = 0; i < count; i++) out[i] = (2 * rng.nextFloat() - 1) * dist.bound;
      break;
    case 'normal':
      for (let i = 0; i < count; i++) out[i] = rng.nextNormal() * dist.std;
      break;
    case 'constant':
      out.fill(dist.value);
      break;
    default:
      dist satisfies never;
  }
  return out;
}

/** Thin factories, in the style of `tf.initializers`: `initializers.heUniform()`. */
export const initializers = {
  /** PyTorch's `nn.Linear` default: uniform in ±1/√fan_in. */
  torchDefault: (): InitConfig => ({ name: 'torch-default' }),
  /** Normal with variance 1/fan_in. */
  lecunNormal: (): InitConfig => ({ name: 'lecun-normal' }),
  /** Uniform with variance 1/fan_in. */
  lecunUniform: (): InitConfig => ({ name: 'lecun-uniform' }),
  /** Glorot normal: variance 2/(fan_in + fan_out), times the gain. */
  xavierNormal: (o: Omit<InitConfig, 'name'> = {}): InitConfig => ({ ...o, name: 'xavier-normal' }),
  /** Glorot uniform: variance 2/(fan_in + fan_out), times the gain. */
  xavierUniform: (o: Omit<InitConfig, 'name'> = {}): InitConfig => ({
    ...o,
    name: 'xavier-uniform',
  }),
  /** Kaiming normal (PyTorch's `kaiming_normal_`): variance gain²/fan. */
  heNormal: (o: Omit<InitConfig, 'name'> = {}): InitConfig => ({ ...o, name: 'he-normal' }),
  /** Kaiming uniform (PyTorch's `kaiming_uniform_`): variance gain²/fan. */
  heUniform: (o: Omit<InitConfig, 'name'> = {}): InitConfig => ({ ...o, name: 'he-uniform' }),
  /** Every value 0. */
  zeros: (): InitConfig => ({ name: 'zeros' }),
  /** Every value 1. */
  ones: (): InitConfig => ({ name: 'ones' }),
  /** Every value `value`. */
  constant: (value: number): InitConfig => ({ name: 'constant', value }),
};
