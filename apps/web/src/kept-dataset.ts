import type { IdxFileRole } from '@mnist-lab/data';
import { DATASETS, openLabDb, request } from './kept-runs';
import { WEB_DATA_LIMITS } from './settings';

/** The user's dataset as this browser keeps it: its name and its four files as chosen. */
export interface KeptDataset {
  readonly name: string;
  readonly files: Readonly<Record<IdxFileRole, Blob>>;
  /** The files' names, for messages. */
  readonly fileNames: Readonly<Record<IdxFileRole, string>>;
}

const KEY = 'current';

async function withStore<T>(
  mode: IDBTransactionMode,
  fn: (store: IDBObjectStore) => Promise<T>,
): Promise<T> {
  const db = await openLabDb();
  try {
    const tx = db.transaction(DATASETS, mode);
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    committed.catch(() => {});
    const result = await fn(tx.objectStore(DATASETS));
    await committed;
    return result;
  } finally {
    db.close();
  }
}

/**
 * Keeps the dataset's files in this browser, in place of any kept before, so that the page
 * loads it again after a reload; refuses past {@link WEB_DATA_LIMITS}' `keptBytes`.
 */
export async function keepDataset(dataset: KeptDataset): Promise<void> {
  const bytes = Object.values(dataset.files).reduce((n, f) => n + f.size, 0);
  if (bytes > WEB_DATA_LIMITS.keptBytes)
    throw new Error(
      `its files are ${(bytes / 2 ** 20).toFixed(0)} MB; this browser keeps a dataset of at most ${WEB_DATA_LIMITS.keptBytes >> 20} MB`,
    );
  await withStore('readwrite', (store) => request(store.put(dataset, KEY)));
}

/** The dataset kept in this browser, if any. */
export function keptDataset(): Promise<KeptDataset | undefined> {
  return withStore('readonly', (store) =>
    request(store.get(KEY) as IDBRequest<KeptDataset | undefined>),
  );
}

/** Forgets the kept dataset (the page starts on MNIST again). */
export async function forgetDataset(): Promise<void> {
  await withStore('readwrite', (store) => request(store.delete(KEY)));
}
