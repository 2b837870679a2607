import { BROWSER_BACKENDS, type BrowserBackendName, isOneOf } from '@mnist-lab/contracts';

/**
 * The backend the page asks the worker for, as `initBackend` takes it: `measure`, a backend it
 * knows, or `auto` for anything else (the page has already said what it passed over).
 */
export function askedBackend(name: string | undefined): 'auto' | 'measure' | BrowserBackendName {
  if (name === 'measure') return name;
  return isOneOf(BROWSER_BACKENDS, name) ? name : 'auto';
}
