import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '@mnist-lab/errors/node';
import type { TrainingPosition } from '../checkpoint';
import { TrainerError } from '../errors';
import type { ProbeRecord } from '../probes';
import { parseTrainingPosition } from '../training-position';
import { writeFileAtomic } from './atomic-write';

/** The probes of every checkpoint so far, one JSON line each, beside the checkpoints. */
export const PROBE_LOG = 'probes.jsonl';

/** What a checkpoint records of the probe log: its first `count` lines, and their SHA-256. */
export interface ProbeLogMark {
  readonly count: number;
  readonly sha256: string;
}

const line = (p: ProbeRecord) => `${JSON.stringify(p)}\n`;

/** Every probe a position holds: its finished epochs', then the epoch's under way. */
function probesOf(position: TrainingPosition): ProbeRecord[] {
  return [...position.history.flatMap((h) => h.probes ?? []), ...(position.partial.probes ?? [])];
}

/** The position without its probes, which the log holds instead. */
export function withoutProbes(position: TrainingPosition): TrainingPosition {
  const { probes: _p, ...partial } = position.partial;
  return {
    ...position,
    partial,
    history: position.history.map(({ probes: _h, ...record }) => record),
  };
}

/**
 * Probes kept out of the checkpoints' `state.json`, which would otherwise carry every probe of the
 * run in every checkpoint (25 MB after four epochs probed at every step): each probe is appended to
 * {@link PROBE_LOG} once, and a checkpoint records how many lines it covers and their SHA-256.
 */
export class ProbeLog {
  private lines: string[] = [];
  /** Whether this process has written or read the log yet (a new run starts it anew). */
  private opened = false;

  constructor(private readonly dir: string) {}

  /** Appends the position's probes the log does not hold yet; the mark for its checkpoint. */
  async append(position: TrainingPosition): Promise<ProbeLogMark> {
    const fresh = probesOf(position).slice(this.lines.length).map(line);
    if (!this.opened) {
      // A new run: the log starts anew (none at all for a run without probes).
      this.opened = true;
      this.lines = fresh;
      const path = join(this.dir, PROBE_LOG);
      if (fresh.length > 0) await writeFileAtomic(path, fresh.join(''));
      else await rm(path, { force: true });
    } else if (fresh.length > 0) {
      const handle = await open(join(this.dir, PROBE_LOG), 'a');
      try {
        await handle.writeFile(fresh.join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.lines.push(...fresh);
    }
    return this.mark();
  }

  /**
   * The position with the probes its mark covers put back, verified against the mark. With
   * `resume`, the log is cut back to them (a run may have gone further than this checkpoint before
   * it stopped) and appends go on from there.
   */
  async restore(
    position: TrainingPosition,
    mark: ProbeLogMark | undefined,
    file: string,
    resume: boolean,
  ): Promise<TrainingPosition> {
    const path = join(this.dir, PROBE_LOG);
    if (mark === undefined) {
      // A checkpoint that kept its probes in state.json (written before the log existed).
      if (resume) {
        this.opened = true;
        this.lines = probesOf(position).map(line);
        await writeFileAtomic(path, this.lines.join(''));
      }
      return position;
    }
    let text = '';
    try {
      text = new TextDecoder().decode(await readRegularFile(path, 2 ** 30, 'the probe log'));
    } catch (cause) {
      if (mark.count > 0)
        throw new TrainerError('bad-checkpoint', `${path}: cannot read the probes of ${file}`, {
          cause,
        });
    }
    const lines = text.split(/(?<=\n)/).slice(0, mark.count);
    const sha = createHash('sha256').update(lines.join('')).digest('hex');
    if (lines.length !== mark.count || sha !== mark.sha256)
      throw new TrainerError(
        'bad-checkpoint',
        `${path}: its first ${mark.count} probes do not match what ${file} records (${lines.length} lines, SHA-256 ${sha})`,
      );
    const probes = lines.map((l) => JSON.parse(l) as ProbeRecord);
    if (resume) {
      this.opened = true;
      this.lines = lines;
      if (text.length !== lines.join('').length) await writeFileAtomic(path, lines.join(''));
    }
    const byEpoch = (epoch: number) => probes.filter((p) => p.epoch === epoch);
    const under = byEpoch(position.epoch + 1);
    const restored = {
      ...position,
      partial: { ...position.partial, ...(under.length > 0 ? { probes: under } : {}) },
      history: position.history.map((h) => {
        const of = byEpoch(h.epoch);
        return of.length > 0 ? { ...h, probes: of } : h;
      }),
    };
    // Checked as a whole again: the probes are part of the position now.
    return parseTrainingPosition(restored, path);
  }

  private mark(): ProbeLogMark {
    const sha256 = createHash('sha256').update(this.lines.join('')).digest('hex');
    return { count: this.lines.length, sha256 };
  }
}
