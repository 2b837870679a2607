import type { MlpConfig } from '@mnist-lab/layers';
import type { EpochRecord } from '@mnist-lab/trainer';
import type { RunSettings } from './settings';

/** A run kept in this browser: enough to show it again and to predict with its model. */
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
  /** The model's state dict as safetensors. */
  readonly model: Uint8Array;
}

const DB = 'mnist-lab';
const STORE = 'kept-runs';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function open(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined')
    return Promise.reject(new Error('this browser offers no IndexedDB'));
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore(STORE, { keyPath: 'key', autoIncrement: true });
  };
  return request(r);
}

async function withStore<T>(
  mode: IDBTransactionMode,
  fn: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    const tx = db.transaction(STORE, mode);
    // A write counts once its transaction has committed, not when its request succeeded.
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    committed.catch(() => {}); // a failed request throws below; its abort is the same failure
    const result = await request(fn(tx.objectStore(STORE)));
    await committed;
    return result;
  } finally {
    db.close();
  }
}

/** Every kept run, oldest first. */
export function keptRuns(): Promise<KeptRun[]> {
  return withStore('readonly', (s) => s.getAll() as IDBRequest<KeptRun[]>);
}

/** Keeps a run; returns its key. */
export async function keepRun(run: KeptRun): Promise<number> {
  const { key: _key, ...value } = run;
  return (await withStore('readwrite', (s) => s.add(value))) as number;
}

/** Forgets a kept run. */
export async function forgetRun(key: number): Promise<void> {
  await withStore('readwrite', (s) => s.delete(key));
}
