import { isOneOf, NODE_BACKENDS, type NodeBackendName } from '@mnist-lab/contracts';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors';

/**
 * A `--backend` value as `initBackend` takes it: `auto`, or a Node backend's name (commander's
 * choices have checked it; anything else is refused here too).
 */
export function nodeBackend(name: string | undefined): 'auto' | NodeBackendName {
  if (name === undefined || name === 'auto') return 'auto';
  if (!isOneOf(NODE_BACKENDS, name))
    throw new UsageError(`--backend ${name}: expected auto, ${NODE_BACKENDS.join(', ')}`);
  return name;
}

/** Parses a positive integer flag value, or says what was expected. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** Parses any integer (seeds). */
export function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer.');
  return n;
}

/** A decimal number as people write it: `0.01`, `1e-3`, `-2`, `.5` (not `0x10`, `0b1`, `Infinity`). */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Parses a finite decimal number. The same rule as the integer flags: decimal only, so `0x10` is
 * refused rather than read as 16.
 */
export function finite(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value.trim()) || !Number.isFinite(n))
    throw new InvalidArgumentError('expected a decimal number.');
  return n;
}

/** Parses a finite decimal number that is 0 or more (seconds, hours). */
export function nonNegative(value: string): number {
  const n = finite(value);
  if (n < 0) throw new InvalidArgumentError('expected a number ≥ 0.');
  return n;
}

/** Parses a comma-separated list of positive integers: `512,256`. */
export function intList(value: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((part) => {
    const n = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || n < 1)
      throw new InvalidArgumentError(
        `expected positive integers separated by commas, got '${part}'.`,
      );
    return n;
  });
}

/** Parses a comma-separated list of names from `choices`. */
export function nameList(choices: readonly string[]) {
  return (value: string): string[] => {
    const names = value.split(',').map((part) => {
      const name = part.trim();
      if (!choices.includes(name))
        throw new InvalidArgumentError(
          `expected names among ${choices.join(', ')}, got '${name}'.`,
        );
      return name;
    });
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined)
      throw new InvalidArgumentError(
        `'${twice}' is named more than once; each network runs once (more runs of it: --seeds N).`,
      );
    return names;
  };
}
