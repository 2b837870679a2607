// Instantiating the assembler's modules: on a memory someone else owns (tfjs-backend-wasm's heap), or
// on the module's own; each answers `undefined` where the engine will not run the module, so that
// callers keep their JavaScript loop.

/** Whether `memory` is shared (a threaded build's). */
export const isShared = (memory: WebAssembly.Memory | undefined): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && memory?.buffer instanceof SharedArrayBuffer;

/**
 * A module built for `memory` (`bytesFor(shared)`: plain or shared) instantiated on it, with
 * `functions` as its other imports from `env`: its exports, or `undefined` without a memory, where
 * this engine cannot validate the module (no wasm SIMD, no shared memory in wasm) or the memory
 * cannot be imported.
 */
export function instantiateOn(
  memory: WebAssembly.Memory | undefined,
  bytesFor: (shared: boolean) => Uint8Array<ArrayBuffer>,
  functions: Record<string, (...args: number[]) => number> = {},
): WebAssembly.Exports | undefined {
  if (memory === undefined) return undefined;
  const bytes = bytesFor(isShared(memory));
  return instantiate(bytes, { env: { memory, ...functions } });
}

/**
 * A module with its own memory (`assemble(…, { own: pages })`) instantiated: its exports (`memory`
 * among them), or `undefined` where this engine has no WebAssembly or cannot validate the module.
 */
export function instantiateOwn(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Exports | undefined {
  return instantiate(bytes, {});
}

function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  imports: WebAssembly.Imports,
): WebAssembly.Exports | undefined {
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return undefined;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
  } catch {
    return undefined;
  }
}

/**
 * `make(memory)` for whichever memory a backend has now: made once, and again if the backend's
 * memory is another (a backend started anew). For modules that import one memory.
 */
export function boundToMemory<T>(
  make: (memory: WebAssembly.Memory | undefined) => T | undefined,
): (memory: WebAssembly.Memory | undefined) => T | undefined {
  let boundTo: WebAssembly.Memory | undefined;
  let made: T | undefined;
  return (memory) => {
    if (memory !== boundTo) {
      boundTo = memory;
      made = make(memory);
    }
    return made;
  };
}

/** `make()`, made on the first call and kept (also when it is `undefined`). */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
