/** What a WebGPU adapter says about itself (`GPUAdapterInfo`, plus the older `isFallbackAdapter`). */
export interface AdapterDescription {
  /** A readable device name: `google swiftshader (SwiftShader driver 5.0.0)`, `nvidia ada (...)`. */
  readonly device: string;
  /** `software` for a fallback adapter (SwiftShader, WARP), else `hardware`. */
  readonly deviceKind: 'hardware' | 'software';
}

/** What {@link describeAdapter} reads of a `GPUAdapter` (the browser's, or Dawn's in Node). */
export interface AdapterLike {
  readonly info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  readonly isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|warp|software|basic render/i;

/** Names an adapter and tells a software (fallback) one from a hardware GPU. */
export function describeAdapter(adapter: AdapterLike): AdapterDescription {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture].filter((p) => p !== undefined && p !== '');
  const name = parts.join(' ') || info.device || 'unknown WebGPU adapter';
  const device = info.description ? `${name} (${info.description})` : name;
  const fallback =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    SOFTWARE_NAMES.test(device);
  return { device, deviceKind: fallback ? 'software' : 'hardware' };
}
