import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@mnist-lab/backends';
import { Mlp } from '@mnist-lab/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointData, TrainingPosition } from '../checkpoint';
import { encodeStateDict, loadStateDictBytes } from '../checkpoint';
import { TrainerError } from '../errors';
import { encodeSafetensors } from '../safetensors';
import { FileCheckpointStore, loadCheckpointDir } from './file-checkpoint-store';

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'mnist-lab-store-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

let dirs = 0;
const freshDir = () => join(root, `run-${++dirs}`);

const position = (globalStep: number): TrainingPosition => ({
  epoch: 0,
  batch: globalStep,
  globalStep,
  partial: { lossSum: 1.5, correct: 3, seen: 4, seconds: 0.1 },
  history: [],
  rng: { dropout: [1, 2, 3, 4] },
});
const checkpoint = (globalStep: number): CheckpointData => ({
  model: encodeSafetensors({
    w: { dtype: 'F32', shape: [2], data: Float32Array.from([globalStep, 1]) },
  }),
  optimizer: encodeSafetensors({ '0000:iter': { dtype: 'I64', shape: [], data: [globalStep] } }),
  position: position(globalStep),
});
const steps = async (dir: string) => (await readdir(dir)).sort();

describe('FileCheckpointStore', () => {
  it('records the SHA-256 of both tensor files in state.json and verifies them on load', async () => {
    const dir = freshDir();
    const store = new FileCheckpointStore(dir);
    const at = await store.save(checkpoint(7));
    const state = JSON.parse(await readFile(join(at, 'state.json'), 'utf8'));
    expect(Object.keys(state.sha256)).toEqual(['model.safetensors', 'optimizer.safetensors']);
    const back = await store.loadLatest();
    expect(back?.position).toEqual(position(7));
    expect(Buffer.from(back?.model ?? [])).toEqual(Buffer.from(checkpoint(7).model));
  });

  it('falls back to the previous intact checkpoint, with a warning, and sets the broken one aside', async () => {
    const dir = freshDir();
    const warnings: string[] = [];
    const store = new FileCheckpointStore(dir, {
      keepLast: 2,
      onWarning: (m) => warnings.push(m),
    });
    await store.save(checkpoint(10));
    const newest = await store.save(checkpoint(20));
    const bytes = await readFile(join(newest, 'model.safetensors'));
    bytes.writeUInt8((bytes.at(-1) as number) ^ 0xff, bytes.length - 1);
    await writeFile(join(newest, 'model.safetensors'), bytes);

    const back = await store.loadLatest();
    expect(back?.position.globalStep).toBe(10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /step-000000020\/model\.safetensors: SHA-256 [0-9a-f]{64} does not match [0-9a-f]{64} in state\.json \(the file is damaged\); set it aside as .*step-000000020\.broken and resuming from .*step-000000010/,
    );
    expect(await steps(dir)).toEqual(['step-000000010', 'step-000000020.broken']);
    // Training goes on from step 10: later saves prune by step without touching the new ones.
    await store.save(checkpoint(11));
    await store.save(checkpoint(12));
    expect(await steps(dir)).toEqual(['step-000000011', 'step-000000012', 'step-000000020.broken']);
  });

  it('falls back past a second broken checkpoint of the same step, setting it aside beside the first', async () => {
    const dir = freshDir();
    const warnings: string[] = [];
    const store = new FileCheckpointStore(dir, { keepLast: 3, onWarning: (m) => warnings.push(m) });
    await store.save(checkpoint(10));
    for (let round = 0; round < 2; round++) {
      const newest = await store.save(checkpoint(20));
      await writeFile(join(newest, 'optimizer.safetensors'), 'damaged');
      expect((await store.loadLatest())?.position.globalStep).toBe(10);
    }
    expect(await steps(dir)).toEqual([
      'step-000000010',
      'step-000000020.broken',
      'step-000000020.broken-2',
    ]);
    expect(warnings[1]).toMatch(/set it aside as .*step-000000020\.broken-2 and resuming from/);
  });

  it.each([
    ['batch: 1e9', { batch: 1e9 }],
    ['globalStep: 5', { globalStep: 5 }],
    ['run.lr edited', { run: { lr: 0.5 } }],
  ])(
    'refuses a state.json whose position was edited (%s): its own SHA-256 no longer matches',
    async (_name, edit) => {
      const dir = freshDir();
      const at = await new FileCheckpointStore(dir).save({
        ...checkpoint(7),
        position: { ...position(7), run: { lr: 0.01 } },
      });
      const state = JSON.parse(await readFile(join(at, 'state.json'), 'utf8'));
      await writeFile(join(at, 'state.json'), JSON.stringify({ ...state, ...edit }));
      const error = await loadCheckpointDir(at).catch((e: unknown) => e);
      expect(TrainerError.isInstance(error) && error.code).toBe('bad-checkpoint');
      expect((error as Error).message).toMatch(
        /state\.json: SHA-256 [0-9a-f]{64} of the position does not match [0-9a-f]{64} it records \(the file was edited or damaged\)/,
      );
    },
  );

  it.each([
    [{ batch: 9 }, /step 7, but 0 steps before this epoch and 9 batches into it make 9/],
    [{ epoch: 1 }, /epoch 1 with 0 epoch records/],
    [{ partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 } }, /0 examples seen in 7 batches/],
  ])('refuses a position that does not add up, even when sealed: %j', async (edit, message) => {
    const dir = freshDir();
    const at = await new FileCheckpointStore(dir).save({
      ...checkpoint(7),
      position: { ...position(7), ...edit } as TrainingPosition,
    });
    const error = await loadCheckpointDir(at).catch((e: unknown) => e);
    expect(TrainerError.isInstance(error) && error.code).toBe('bad-checkpoint');
    expect((error as Error).message).toMatch(message);
  });

  it('returns undefined, after warning, when no checkpoint is intact', async () => {
    const dir = freshDir();
    const warnings: string[] = [];
    const store = new FileCheckpointStore(dir, { onWarning: (m) => warnings.push(m) });
    const only = await store.save(checkpoint(3));
    await rm(join(only, 'optimizer.safetensors'));
    expect(await store.loadLatest()).toBeUndefined();
    expect(warnings[0]).toMatch(/cannot read the checkpoint.*found no older checkpoint/);
  });

  it.each([
    ['{}', /state\.json: not a checkpoint's training position: at epoch: /],
    ['null', /state\.json: not a checkpoint's training position: at the top level: /],
    ['[1, 2]', /state\.json: not a checkpoint's training position: at the top level: /],
    ['{"epoch": 0', /state\.json: not valid JSON/],
    [
      JSON.stringify({ ...position(1), rng: { dropout: [0, 0, 0, 0] } }),
      /at rng\.dropout: the all-zero generator state is invalid/,
    ],
    [JSON.stringify(position(1)), /state\.json: no SHA-256 recorded for model\.safetensors/],
  ])('refuses state.json %s with a bad-checkpoint error naming the file', async (text, message) => {
    const dir = freshDir();
    const at = await new FileCheckpointStore(dir).save(checkpoint(1));
    await writeFile(join(at, 'state.json'), text);
    const error = await loadCheckpointDir(at).catch((e: unknown) => e);
    expect(TrainerError.isInstance(error) && error.code).toBe('bad-checkpoint');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(join(at, 'state.json'));
  });

  it('leaves no temporary directory behind', async () => {
    const dir = freshDir();
    const store = new FileCheckpointStore(dir, { keepLast: 1 });
    for (let s = 1; s <= 3; s++) await store.save(checkpoint(s));
    expect(await steps(dir)).toEqual(['step-000000003']);
  });
});

describe('loadStateDictBytes', () => {
  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('refuses weights holding %s, naming the tensor and the element', async (bad, shown) => {
    const model = new Mlp({ inputSize: 3, hidden: [2], numClasses: 2 });
    const good = new Mlp({ inputSize: 3, hidden: [2], numClasses: 2, seed: 9 });
    const { decodeSafetensors } = await import('../safetensors');
    const { tensors } = decodeSafetensors(await encodeStateDict(good));
    const w = tensors['fc2.weight']?.data as Float32Array;
    w[3] = bad;
    const bytes = encodeSafetensors(tensors);
    expect(() => loadStateDictBytes(model, bytes, 'x.safetensors')).toThrow(
      `x.safetensors: tensor 'fc2.weight' holds ${shown} at element 3; expected finite values`,
    );
    model.dispose();
    good.dispose();
  });
});
