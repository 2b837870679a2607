import { ArgumentError } from '@mnist-lab/errors';
/** Nonlinearities that PyTorch's `torch.nn.init.calculate_gain` knows. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/**
 * The recommended gain for a nonlinearity, exactly as `torch.nn.init.calculate_gain` computes it.
 * `param` is Leaky ReLU's negative slope (PyTorch's default 0.01 when omitted).
 *
 * @example calculateGain('leaky_relu', 0) // Math.SQRT2, what kaiming_uniform_ uses by default
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) {
        throw new ArgumentError(
          'calculateGain',
          `calculateGain: negative slope ${slope} is not a finite number`,
        );
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      nonlinearity satisfies never;
      throw new ArgumentError(
        'calculateGain',
        `calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`,
      );
  }
}
