import type { ExportFormat, ToWorker } from './protocol';
import type { RunList } from './run-list';

/** Saves bytes as a file the browser downloads. */
export function saveFile(name: string, bytes: Uint8Array) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
/** The results' download buttons: the selected run's model, in the format each names. */
export function wireExports(list: RunList, send: (message: ToWorker) => void): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-export]')) {
    button.addEventListener('click', () => {
      const run = list.selected;
      if (run !== undefined)
        send({ type: 'export', runId: run.id, format: button.dataset.export as ExportFormat });
    });
  }
}
