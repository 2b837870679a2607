import { readRegularFile } from '@mnist-lab/errors/node';
import { TrainerError } from '../errors';
import type { EpochRecord } from '../events';
import { writeFileAtomic } from './atomic-write';

/** Writes a run's per-epoch metrics as JSON lines (one object per epoch), atomically. */
export function writeHistory(path: string, history: readonly EpochRecord[]): Promise<void> {
  return writeFileAtomic(path, history.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Reads a `history.jsonl` back, naming the line that is not a JSON object. */
export async function readHistory(path: string): Promise<EpochRecord[]> {
  const text = new TextDecoder().decode(await readRegularFile(path, 2 ** 30, 'a history'));
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        const record = JSON.parse(line) as EpochRecord;
        if (typeof record !== 'object' || record === null || typeof record.epoch !== 'number')
          throw new Error('no epoch');
        return record;
      } catch (cause) {
        throw new TrainerError(
          'bad-checkpoint',
          `${path}:${i + 1}: expected a JSON object with an epoch, got ${line.slice(0, 80)}`,
          { cause },
        );
      }
    });
}
