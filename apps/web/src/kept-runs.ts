import type { MlpConfig } from '@mnist-lab/layers';
import type { EpochRecord } from '@mnist-lab/trainer';
import type { DatasetIdentity } from './dataset-identity';
import type { RunSettings } from './settings';

/** A run kept in this browser, as listed: enough to show it again; its model is stored apart. */
export interface KeptRun {
  /** IndexedDB's key; absent until stored. */
  readonly key?: number;
  readonly label: string;
  /** When it was kept (ms since the epoch). */
  readonly keptAt: number;
  /** How it was trained (absent for a model loaded from a file). */
  readonly settings?: RunSettings;
  /** The file it came from, for a model loaded from a file. */
  readonly file?: string;
  readonly config: MlpConfig;
  readonly epochs: readonly EpochRecord[];
  readonly losses: readonly { x: number; y: number }[];
  /** The size of its model file, in bytes. */
  readonly modelBytes: number;
  /** The data it trained on (absent for runs kept before datasets could change). */
  readonly dataset?: DatasetIdentity;
}

/**
 * What the lab keeps at most: a page that loads every kept model at once (20 runs of a
 * 9.5 M-parameter network: 4.1 GB) crashes the tab. Runs are listed from their metadata, and a
 * model is read when its run is opened.
 */
export const KEPT_LIMITS = { runs: 50, bytes: 256 << 20 } as const;

const DB = 'mnist-lab';
/** The runs' metadata (what the list shows). */
const RUNS = 'kept-runs';
/** Each run's model file, by the same key. */
const MODELS = 'kept-models';
/** The user's dataset: its four files, under one key (kept-dataset.ts). */
export const DATASETS = 'kept-dataset';

export function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The lab's database, made or brought up to its newest version. */
export function openLabDb(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined')
    return Promise.reject(new Error('this browser offers no IndexedDB'));
  const r = indexedDB.open(DB, 3);
  r.onupgradeneeded = (event) => {
    const db = r.result;
    if (event.oldVersion < 1) db.createObjectStore(RUNS, { keyPath: 'key', autoIncrement: true });
    if (event.oldVersion < 2) db.createObjectStore(MODELS);
    if (event.oldVersion < 3) db.createObjectStore(DATASETS);
    // Version 1 kept each model inside its run: move them out, so that listing reads no model.
    if (event.oldVersion === 1) {
      const runs = r.transaction?.objectStore(RUNS);
      const models = r.transaction?.objectStore(MODELS);
      const cursor = runs?.openCursor();
      if (cursor !== undefined)
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (c === null) return;
          const { model, ...run } = c.value as KeptRun & { model?: Uint8Array };
          if (model !== undefined) models?.put(model, c.key);
          c.update({ ...run, modelBytes: model?.byteLength ?? 0 });
          c.continue();
        };
    }
  };
  return request(r);
}

/** Runs `fn` in a transaction over both stores; resolves once it has committed. */
async function withStores<T>(
  mode: IDBTransactionMode,
  fn: (runs: IDBObjectStore, models: IDBObjectStore) => Promise<T>,
): Promise<T> {
  const db = await openLabDb();
  try {
    const tx = db.transaction([RUNS, MODELS], mode);
    // A write counts once its transaction has committed, not when its request succeeded.
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    committed.catch(() => {}); // a failed request throws below; its abort is the same failure
    const result = await fn(tx.objectStore(RUNS), tx.objectStore(MODELS));
    await committed;
    return result;
  } finally {
    db.close();
  }
}

/** Every kept run's metadata, oldest first (no model is read). */
export function keptRuns(): Promise<KeptRun[]> {
  return withStores('readonly', (runs) => request(runs.getAll() as IDBRequest<KeptRun[]>));
}

/** A kept run's model file, read when its run is opened. */
export function keptModel(key: number): Promise<Uint8Array | undefined> {
  return withStores('readonly', (_runs, models) =>
    request(models.get(key) as IDBRequest<Uint8Array | undefined>),
  );
}

/**
 * Keeps a run and its model; returns its key. Refuses, keeping nothing, past {@link KEPT_LIMITS},
 * saying how much is kept.
 */
export async function keepRun(
  run: Omit<KeptRun, 'modelBytes'>,
  model: Uint8Array,
): Promise<number> {
  const kept = await keptRuns();
  const bytes = kept.reduce((a, k) => a + (k.modelBytes ?? 0), 0);
  if (kept.length >= KEPT_LIMITS.runs || bytes + model.byteLength > KEPT_LIMITS.bytes)
    throw new Error(
      `the lab keeps at most ${KEPT_LIMITS.runs} runs and ${KEPT_LIMITS.bytes >> 20} MB of models in this browser (it keeps ${kept.length} runs, ${(bytes / 2 ** 20).toFixed(0)} MB); forget some to keep more`,
    );
  const { key: _key, ...value } = run;
  return withStores('readwrite', async (runs, models) => {
    const key = (await request(runs.add({ ...value, modelBytes: model.byteLength }))) as number;
    await request(models.put(model, key));
    return key;
  });
}

/** Forgets a kept run and its model. */
export async function forgetRun(key: number): Promise<void> {
  await withStores('readwrite', async (runs, models) => {
    await request(runs.delete(key));
    await request(models.delete(key));
  });
}
