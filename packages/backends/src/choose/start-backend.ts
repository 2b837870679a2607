import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors';
import type { BackendName, BackendReport } from './backend-report';

/**
 * Makes `name` the active backend, or throws: tfjs logs a failed backend factory with console.warn
 * and returns false, which would let a caller carry on with the wrong backend.
 */
export async function setBackendOrThrow(name: BackendName, packageName: string): Promise<void> {
  if (!(await tf.setBackend(name))) {
    throw new BackendUnavailableError(
      name,
      `backend '${name}' (${packageName}) failed to initialize; see the warning above`,
    );
  }
  await tf.ready();
}

/** A report of the backend now active. */
export function report(
  backend: BackendName,
  packageName: string,
  device: string,
  deviceKind: BackendReport['deviceKind'],
  threads: number,
): BackendReport {
  return { backend, device, deviceKind, threads, packageName, tfjsVersion: tf.version_core };
}
