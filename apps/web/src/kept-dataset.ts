import type { IdxFileRole } from '@mnist-lab/data';
import { DATASETS, openLabDb, request } from './kept-runs';
import { WEB_DATA_LIMITS } from './settings';
import type { ImageSource } from './worker-images';

/** An IDX dataset's four files as chosen. */
export interface KeptIdxFiles {
  readonly files: Readonly<Record<IdxFileRole, Blob>>;
  /** The files' names, for messages. */
  readonly fileNames: Readonly<Record<IdxFileRole, string>>;
}

/** The user's dataset as this browser keeps it: its name, and its files as chosen (IDX or images). */
export type KeptDataset = { readonly name: string } & (
  | KeptIdxFiles
  | { readonly images: ImageSource }
);

/** The bytes a kept dataset holds: its files as chosen. */
function keptBytes(dataset: KeptDataset): number {
  if ('files' in dataset) return Object.values(dataset.files).reduce((n, f) => n + f.size, 0);
  const images = dataset.images;
  return 'zip' in images ? images.zip.size : images.files.reduce((n, f) => n + f.file.size, 0);
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
  const bytes = keptBytes(dataset);
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
