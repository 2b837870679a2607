import { type IdxFileRole, idxUrls } from '@mnist-lab/data';
import type { DatasetIdentity } from './dataset-identity';
import { $ } from './dom';
import { show } from './i18n';
import { forgetDataset, type KeptIdxFiles, keepDataset, keptDataset } from './kept-dataset';
import type { ToWorker } from './protocol';
import { WEB_DATA_LIMITS } from './settings';
import { words } from './words';
import type { ImageSource } from './worker-images';

/** Which of the four IDX files a file is, by its name (as MNIST, Fashion-MNIST, KMNIST, EMNIST name theirs). */
export function idxRole(name: string): IdxFileRole | undefined {
  const n = name.toLowerCase();
  const images = /images|idx3/.test(n);
  const labels = /labels|idx1/.test(n);
  if (images === labels) return undefined;
  const test = /t10k|test/.test(n);
  if (!test && !/train/.test(n)) return undefined;
  if (images) return test ? 'testImages' : 'trainImages';
  return test ? 'testLabels' : 'trainLabels';
}

/** The dataset's name from its files' names: what they share before `train`/`t10k` (`emnist-digits`). */
function nameOf(files: readonly File[]): string {
  const prefix = (files[0]?.name ?? '').toLowerCase().split(/-?(?:train|t10k|test)/)[0] ?? '';
  const shared = files.every((f) => f.name.toLowerCase().startsWith(prefix));
  const name = shared ? prefix.replace(/[^a-z0-9._-]/g, '').slice(0, 40) : '';
  return name === '' ? 'dataset' : name;
}

/**
 * The dataset chooser: MNIST, built in, or the four IDX files of the user's own (gzipped or not),
 * read in the worker by the data package's reader with its bounds and {@link WEB_DATA_LIMITS}. A
 * dataset that is refused leaves the one before in place; a dataset can change only while no run
 * trains (each run says which data it trained on).
 */
export class DatasetChooser {
  /** The dataset the next run trains on (MNIST until another has loaded). */
  current: DatasetIdentity | undefined;
  /** The blob URLs of the files being read, with each file's name (for messages). */
  private urls = new Map<string, string>();
  /** The files being read, to keep in this browser once they load (not when read from there). */
  private toKeep: KeptIdxFiles | { readonly images: ImageSource } | undefined;

  constructor(
    private readonly send: (message: ToWorker) => void,
    private readonly mnistUrl: string,
  ) {
    const input = $<HTMLInputElement>('dataset-files');
    input.addEventListener('change', () => {
      this.choose(Array.from(input.files ?? []));
      input.value = '';
    });
    const folder = $<HTMLInputElement>('dataset-folder');
    folder.addEventListener('change', () => {
      const files = Array.from(folder.files ?? []);
      folder.value = '';
      if (files.length === 0) return;
      const name = (files[0]?.webkitRelativePath.split('/')[0] ?? 'images').slice(0, 40);
      const source = { files: files.map((file) => ({ path: file.webkitRelativePath, file })) };
      this.loadImages(name, source, true);
    });
    $('dataset-mnist').addEventListener('click', () => {
      // Back to MNIST forgets the files kept here: a reload starts on MNIST too.
      void forgetDataset().catch(() => {});
      this.load('mnist', idxUrls(this.mnistUrl, '.gz'));
    });
  }

  /** The dataset kept in this browser, loaded again (once MNIST is in). */
  async restore(): Promise<void> {
    const kept = await keptDataset().catch(() => undefined);
    if (kept === undefined) return;
    if ('images' in kept) return this.loadImages(kept.name, kept.images, false);
    this.read(
      kept.name,
      new Map(Object.entries(kept.files) as [IdxFileRole, Blob][]),
      kept.fileNames,
      false,
    );
  }

  /** The worker says a dataset is in: it is the current one. */
  ready(dataset: DatasetIdentity): void {
    this.current = dataset;
    this.release();
    $('data-name').textContent = dataset.name;
    $<HTMLButtonElement>('dataset-mnist').hidden = dataset.name === 'mnist';
    $('dataset-status').classList.remove('error');
    const said = (kept: string) => () =>
      dataset.name === 'mnist' ? '' : words().datasetReady(dataset.name, dataset.sha256, kept);
    show($('dataset-status'), said(''));
    const toKeep = this.toKeep;
    this.toKeep = undefined;
    if (toKeep === undefined || dataset.name === 'mnist') return;
    keepDataset({ ...toKeep, name: dataset.name }).then(
      () => show($('dataset-status'), said(words().datasetKept)),
      (error: Error) => show($('dataset-status'), said(words().datasetNotKept(error.message))),
    );
  }

  /** The worker refused the files: why, beside the chooser; the dataset before stays. */
  refused(message: string): void {
    this.toKeep = undefined;
    // The reader names the blob URL it read; the user knows the file by its name.
    let said = message;
    for (const [url, name] of this.urls) said = said.replaceAll(url, name);
    this.release();
    show($('dataset-status'), () => words().datasetRefused(said));
    $('dataset-status').classList.add('error');
  }

  /** While a run trains the dataset cannot change. */
  setBusy(busy: boolean): void {
    $<HTMLInputElement>('dataset-files').disabled = busy;
    $<HTMLInputElement>('dataset-folder').disabled = busy;
    $<HTMLButtonElement>('dataset-mnist').disabled = busy;
  }

  private choose(files: File[]): void {
    const zip = files.length === 1 && /\.zip$/i.test(files[0]?.name ?? '') ? files[0] : undefined;
    if (zip !== undefined) {
      this.loadImages(zip.name.replace(/\.zip$/i, '').slice(0, 40) || 'images', { zip }, true);
      return;
    }
    const roles = new Map<IdxFileRole, File>();
    for (const f of files) {
      const role = idxRole(f.name);
      if (role !== undefined && !roles.has(role)) roles.set(role, f);
    }
    const tooLarge = files.find((f) => f.size > WEB_DATA_LIMITS.fileBytes);
    if (files.length !== 4 || roles.size !== 4)
      this.refused(words().datasetFiles(files.map((x) => x.name)));
    else if (tooLarge !== undefined)
      this.refused(words().datasetTooLarge(tooLarge.name, WEB_DATA_LIMITS.fileBytes >> 20));
    else
      this.read(
        nameOf(files),
        roles,
        Object.fromEntries(
          [...roles].map(([role, f]) => [role, f.name]),
        ) as KeptIdxFiles['fileNames'],
        true,
      );
  }

  /** Reads the four files in the worker (keeping them here once they load, when `keep`). */
  private read(
    name: string,
    roles: Map<IdxFileRole, Blob>,
    fileNames: KeptIdxFiles['fileNames'],
    keep: boolean,
  ): void {
    this.release();
    const urls = Object.fromEntries(
      [...roles].map(([role, file]) => [role, URL.createObjectURL(file)]),
    ) as Record<IdxFileRole, string>;
    this.urls = new Map([...roles].map(([role]) => [urls[role], fileNames[role]]));
    this.toKeep = keep
      ? { files: Object.fromEntries(roles) as KeptIdxFiles['files'], fileNames }
      : undefined;
    this.load(name, urls);
  }

  /** A dataset of images, read and converted in the worker (its files kept here once in, when `keep`). */
  private loadImages(name: string, source: ImageSource, keep: boolean): void {
    this.release();
    this.toKeep = keep ? { images: source } : undefined;
    show($('dataset-status'), () => words().datasetLoading(name));
    $('dataset-status').classList.remove('error');
    this.send({ type: 'data-images', name, source });
  }

  private load(name: string, urls: Record<IdxFileRole, string>): void {
    show($('dataset-status'), () => words().datasetLoading(name));
    $('dataset-status').classList.remove('error');
    this.send({ type: 'data', name, urls });
  }

  /** The blob URLs of the files last chosen, let go once read. */
  private release(): void {
    for (const url of this.urls.keys()) URL.revokeObjectURL(url);
    this.urls.clear();
  }
}
