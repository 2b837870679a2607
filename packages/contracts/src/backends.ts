// The backend names and BLAS modes, each list declared once: every type, option list, form and
// report in the house is derived from these tuples.

/** The backends `@mnist-lab/backends` can start in Node, in `auto`'s order of preference. */
export const NODE_BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
/** A backend `@mnist-lab/backends` can start in Node. */
export type NodeBackendName = (typeof NODE_BACKENDS)[number];

/** The backends `@mnist-lab/backends` can start in a browser, in `auto`'s order of preference. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** A backend `@mnist-lab/backends` can start in a browser. */
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

/** Any backend name reported, in Node or in a browser. */
export type BackendName = NodeBackendName | BrowserBackendName;

/**
 * Whether wasm computes its matrix products with OpenBLAS: `auto` where it loads, `off` never,
 * `require` or fail.
 */
export const BLAS_MODES = ['auto', 'off', 'require'] as const;
/** One of {@link BLAS_MODES}. */
export type BlasMode = (typeof BLAS_MODES)[number];

/** Whether `name` is one of `list` (narrows a string read from a user to the list's type). */
export function isOneOf<const T extends readonly string[]>(
  list: T,
  name: string | undefined,
): name is T[number] {
  return name !== undefined && (list as readonly string[]).includes(name);
}
