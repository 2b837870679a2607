import { type IdxFileRole, idxUrls } from '@mnist-lab/data';
import type { DatasetIdentity } from './dataset-identity';
import { $ } from './dom';
import { show } from './i18n';
import type { ToWorker } from './protocol';
import { WEB_DATA_LIMITS } from './settings';
import { words } from './words';

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

  constructor(
    private readonly send: (message: ToWorker) => void,
    private readonly mnistUrl: string,
  ) {
    const input = $<HTMLInputElement>('dataset-files');
    input.addEventListener('change', () => {
      this.choose(Array.from(input.files ?? []));
      input.value = '';
    });
    $('dataset-mnist').addEventListener('click', () =>
      this.load('mnist', idxUrls(this.mnistUrl, '.gz')),
    );
  }

  /** The worker says a dataset is in: it is the current one. */
  ready(dataset: DatasetIdentity): void {
    this.current = dataset;
    this.release();
    $('data-name').textContent = dataset.name;
    $<HTMLButtonElement>('dataset-mnist').hidden = dataset.name === 'mnist';
    show($('dataset-status'), () =>
      dataset.name === 'mnist' ? '' : words().datasetReady(dataset.name, dataset.sha256),
    );
    $('dataset-status').classList.remove('error');
  }

  /** The worker refused the files: why, beside the chooser; the dataset before stays. */
  refused(message: string): void {
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
    $<HTMLButtonElement>('dataset-mnist').disabled = busy;
  }

  private choose(files: File[]): void {
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
    else this.read(files, roles);
  }

  private read(files: File[], roles: Map<IdxFileRole, File>): void {
    this.release();
    const urls = Object.fromEntries(
      [...roles].map(([role, file]) => [role, URL.createObjectURL(file)]),
    ) as Record<IdxFileRole, string>;
    this.urls = new Map([...roles].map(([role, file]) => [urls[role], file.name]));
    this.load(nameOf(files), urls);
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
