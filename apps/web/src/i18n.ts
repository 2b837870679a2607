// The page's language, English or Korean, for all of it: the static text of index.html (elements
// marked `data-t`, `data-t-label`, `data-t-html`, their Korean in page-ko.ts), every line the
// code writes (words.ts), the lesson panel and the charts. The choice is remembered in this
// browser and kept in the URL (`?lang=`), and a switch applies at once, without a reload.
import type { LessonLanguage } from '@mnist-lab/lesson';
import { PAGE_KO } from './page-ko';

export type Lang = LessonLanguage;

const STORAGE = 'mnist-lab-lang';

/** The language asked for: `?lang=`, else the last one chosen here, else the browser's. */
function initialLanguage(): Lang {
  let asked = new URLSearchParams(location.search).get('lang');
  try {
    asked ??= localStorage.getItem(STORAGE);
  } catch {
    // Storage refused (a private window's settings): the browser's language decides.
  }
  if (asked === 'en' || asked === 'ko') return asked;
  return navigator.language.startsWith('ko') ? 'ko' : 'en';
}

let current: Lang = initialLanguage();
const listeners: ((lang: Lang) => void)[] = [];
/** Elements whose text the code wrote, with how to write it again in the other language. */
const shown = new Map<Element, () => string>();
/** The English of each marked element, as index.html has it, read once. */
const english = new Map<Element, { text?: string; label?: string; html?: string }>();

export const lang = (): Lang => current;

/** Calls `listener` after every switch of language (the panels redraw themselves). */
export function onLanguage(listener: (lang: Lang) => void): void {
  listeners.push(listener);
}

/**
 * Writes `text()` into `el` now and again after every switch of language: status lines keep
 * saying the same thing in the new language.
 */
export function show(el: Element, text: () => string): void {
  shown.set(el, text);
  el.textContent = text();
}

/** Index.html's marked elements in `lang`: English as the file has it, Korean from page-ko.ts. */
function translatePage(): void {
  const ko = current === 'ko';
  const pick = (key: string | undefined, en: string | undefined) =>
    ko && key !== undefined ? (PAGE_KO[key] ?? en ?? '') : (en ?? '');
  for (const el of document.querySelectorAll<HTMLElement>(
    '[data-t], [data-t-label], [data-t-html]',
  )) {
    let en = english.get(el);
    if (en === undefined) {
      en = {
        ...(el.dataset.t === undefined ? {} : { text: el.textContent ?? '' }),
        ...(el.dataset.tLabel === undefined ? {} : { label: el.getAttribute('aria-label') ?? '' }),
        ...(el.dataset.tHtml === undefined ? {} : { html: el.innerHTML }),
      };
      english.set(el, en);
    }
    if (el.dataset.t !== undefined) el.textContent = pick(el.dataset.t, en.text);
    if (el.dataset.tLabel !== undefined)
      el.setAttribute('aria-label', pick(el.dataset.tLabel, en.label));
    // Our own markup (a <code> or two), never anything a user gave.
    if (el.dataset.tHtml !== undefined) el.innerHTML = pick(el.dataset.tHtml, en.html);
  }
  document.title = ko ? (PAGE_KO['page-title'] ?? document.title) : 'mnist-lab — the browser lab';
  document.documentElement.lang = current;
  for (const button of document.querySelectorAll<HTMLButtonElement>('#lang button'))
    button.setAttribute('aria-pressed', String(button.dataset.lang === current));
}

/** Switches the whole page to `next`, remembers it here and in the URL. */
export function setLanguage(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE, next);
  } catch {
    // Not remembered, still switched.
  }
  const url = new URL(location.href);
  url.searchParams.set('lang', next);
  history.replaceState(null, '', url);
  translatePage();
  for (const [el, text] of shown) el.textContent = text();
  for (const listener of listeners) listener(next);
}

/** Translates the page to the language asked for and wires the switch's buttons. */
export function startLanguage(): void {
  translatePage();
  for (const button of document.querySelectorAll<HTMLButtonElement>('#lang button'))
    button.addEventListener('click', () => setLanguage(button.dataset.lang === 'ko' ? 'ko' : 'en'));
}
