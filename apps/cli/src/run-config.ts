import { FileError, readRegularFile } from '@mnist-lab/errors/node';
import { parseRunSpec, type RunSpec } from '@mnist-lab/lesson';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './errors';

/** One run's settings: `@mnist-lab/lesson`'s run spec, as the flags and `--config FILE` give it. */
export type RunConfig = RunSpec;

/** Checks a run's settings, naming each bad field as its flag (`--batch-size`). */
export function parseRunConfig(input: unknown, source: string): RunConfig {
  const result = parseRunSpec(input);
  if (result.ok) return result.spec;
  const issues = result.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    const flag = key === '' ? 'config' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return `${flag}${i.path.length > 1 ? `[${i.path.slice(1).join('.')}]` : ''}: ${i.message}`;
  });
  throw new UsageError(`invalid ${source}: ${issues.join('; ')}`);
}

/** Reads a JSON or YAML run config file. */
export async function readConfigFile(
  path: string,
  flag = '--config',
  what = 'a run config',
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFile(path, 1 << 20, what));
  } catch (cause) {
    if (FileError.isInstance(cause)) throw new UsageError(`${flag} ${cause.message}`);
    throw cause;
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new UsageError(
      `${flag} ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      `${flag} ${path}: expected an object of ${what === 'a run config' ? 'run settings' : 'settings'}`,
    );
  }
  return value as Record<string, unknown>;
}
