// The header's status lines, said again in the page's language after a switch (`show`).
import { describeBackend, unknownBackendNote } from './backend-choice';
import { $ } from './dom';
import { show } from './i18n';
import type { FromWorker } from './protocol';
import { words } from './words';

/** The backend line, and how it was chosen behind a disclosure, in the page's language. */
export function showBackend(
  m: Extract<FromWorker, { type: 'backend' }>,
  askedBackend: string,
  preferred: string | undefined,
): void {
  const described = describeBackend(m, askedBackend);
  show($('backend'), () => {
    const note = unknownBackendNote(preferred);
    return note === undefined ? described().line : `${described().line}. ${note}`;
  });
  show($('backend-more'), () => described().details);
  $('backend-details').hidden = described().details === '';
  document.body.dataset.backend = m.report.backend;
  document.body.dataset.deviceKind = m.report.deviceKind;
}

/** How far the data has come: bytes of IDX files, or images converted. */
export function showDataProgress(m: Extract<FromWorker, { type: 'data-progress' }>) {
  const progress = $<HTMLProgressElement>('data-progress');
  if (m.total > 0) progress.value = m.loaded / m.total;
  const { loaded, total } = m;
  if (m.unit === 'images') show($('data-text'), () => words().imagesProgress(loaded, total));
  else {
    const mb = (loaded / 1e6).toFixed(1);
    const of = total > 0 ? (total / 1e6).toFixed(1) : undefined;
    show($('data-text'), () => words().dataProgress(mb, of));
  }
}
