// Probes kept out of checkpoints: a run probed at every step writes each probe once, to
// probes.jsonl, and a state.json that does not grow with the run; a resume puts them back, equal to
// an uninterrupted run's, and a damaged log falls back like a damaged checkpoint.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { Mlp } from '@mnist-lab/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from '../index';
import { arraySource } from '../test-utils';
import { FileCheckpointStore } from './file-checkpoint-store';
import { PROBE_LOG } from './probe-log';

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'mnist-lab-probe-log-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Four batches of 4 rows of 6 features per epoch, the same every epoch. */
const batches = () =>
  Array.from({ length: 4 }, (_, b) => ({
    x: Array.from({ length: 4 }, (_, i) =>
      Array.from({ length: 6 }, (_, j) => Math.sin(b * 7 + i * 3 + j)),
    ),
    y: [0, 1, 2, 1].map((v) => (v + b) % 3),
  }));
const model = () => new Mlp({ inputSize: 6, hidden: [5, 4], numClasses: 3, seed: 2 });
const options = {
  epochs: 3,
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.5 },
  probes: { every: 1 },
} as const;

describe('probes beside checkpoints (probes.jsonl)', () => {
  it('writes each probe once, keeps state.json small, and resumes to the same probes', async () => {
    const whole = model();
    const reference = await fit(whole, arraySource(batches), options);
    whole.dispose();

    const dir = join(root, 'stopped');
    const store = new FileCheckpointStore(dir, { keepLast: 2 });
    const controller = new AbortController();
    const first = model();
    await fit(first, arraySource(batches), {
      ...options,
      checkpoint: { store, everySteps: 1 },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'probe' && e.step === 9) controller.abort();
      },
    });
    first.dispose();
    const log = (await readFile(join(dir, PROBE_LOG), 'utf8')).trim().split('\n');
    expect(log.map((l) => JSON.parse(l).step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const steps = (await readdir(dir)).filter((d) => d.startsWith('step-')).sort();
    const sizes = await Promise.all(
      steps.map(async (s) => (await stat(join(dir, s, 'state.json'))).size),
    );
    // Without probes, a position is the same size at step 9 as at step 8 (to a few digits).
    expect(Math.abs((sizes[1] as number) - (sizes[0] as number))).toBeLessThan(200);
    expect(await readFile(join(dir, steps[1] as string, 'state.json'), 'utf8')).not.toContain(
      '"gradNorm"',
    );

    const resumed = model();
    const again = new FileCheckpointStore(dir, { keepLast: 2 });
    const result = await fit(resumed, arraySource(batches), {
      ...options,
      checkpoint: { store: again, everySteps: 1 },
      resume: await again.loadLatest(),
    });
    resumed.dispose();
    expect(result.history.map((h) => h.probes)).toEqual(reference.history.map((h) => h.probes));
    // The log holds every probe once, whatever was written before the stop.
    const all = (await readFile(join(dir, PROBE_LOG), 'utf8')).trim().split('\n');
    expect(all.map((l) => JSON.parse(l).step)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  }, 60_000);

  it('falls back to an older checkpoint when the log does not hold what the newest records', async () => {
    const dir = join(root, 'damaged');
    const warnings: string[] = [];
    const store = new FileCheckpointStore(dir, { keepLast: 3, onWarning: (m) => warnings.push(m) });
    const controller = new AbortController();
    const m = model();
    await fit(m, arraySource(batches), {
      ...options,
      checkpoint: { store, everySteps: 2 },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'probe' && e.step === 5) controller.abort();
      },
    });
    m.dispose();
    // The last line (step 5's probe, which only the newest checkpoint covers) is damaged.
    const lines = (await readFile(join(dir, PROBE_LOG), 'utf8')).split('\n');
    lines[5] = (lines[5] as string).replace('"step":5', '"step":55');
    await writeFile(join(dir, PROBE_LOG), lines.join('\n'));
    const back = await new FileCheckpointStore(dir, {
      onWarning: (w) => warnings.push(w),
    }).loadLatest();
    expect(back?.position.globalStep).toBe(4);
    // Step 4 ended the first epoch: its four probes are that epoch's record's.
    expect(back?.position.partial.probes).toBeUndefined();
    expect(back?.position.history[0]?.probes?.map((p) => p.step)).toEqual([0, 1, 2, 3]);
    expect(warnings.join('\n')).toMatch(
      /probes\.jsonl: its first 6 probes do not match what .*state\.json records/,
    );
  }, 60_000);
});
