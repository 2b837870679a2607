import { readFileSync } from 'node:fs';
import { initBackend, type NodeBackendName } from '@mnist-lab/backends';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { testBackendsWithWebgpu } from '../../../tooling/test-backends';

/** The backends every numeric test runs on (`tooling/test-backends.ts`), webgpu among them. */
export const TEST_BACKENDS = await testBackendsWithWebgpu();

/** Runs a suite once per backend, with that backend active (tfjs-layers' `describeMathCPUAndGPU`). */
export function describeBackends(name: string, suite: (backend: NodeBackendName) => void): void {
  for (const { label, skip, ...options } of TEST_BACKENDS) {
    if (skip !== undefined) {
      describe.skip(`${name} [${label}: skipped, ${skip}]`, () => suite(options.prefer));
      continue;
    }
    describe(`${name} [${label}]`, () => {
      beforeAll(async () => {
        await initBackend(options);
      });
      suite(options.prefer);
    });
  }
}

/** A PyTorch parity fixture from `fixtures/torch-parity/`. */
export function loadFixture<T>(name: string): T {
  const url = new URL(`../../../fixtures/torch-parity/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** The tolerance of every parity test: |actual − expected| ≤ 1e-5 · max(1, |expected|). */
export const PARITY_TOL = 1e-5;

type Nested = number | readonly Nested[];

/**
 * Asserts element-wise closeness within the parity tolerance, |a − e| ≤ tol · max(1, |e|), through
 * the shared `toBeAllclose` matcher; reads a tensor asynchronously first (webgpu cannot read
 * synchronously in Node).
 */
export async function expectAllClose(
  actual: tf.Tensor | Nested,
  expected: Nested,
  tol = PARITY_TOL,
): Promise<void> {
  const a =
    actual instanceof tf.Tensor
      ? Array.from(await actual.data())
      : [actual].flat(Number.POSITIVE_INFINITY as 1);
  const e = [expected].flat(Number.POSITIVE_INFINITY as 1) as number[];
  expect(a as number[]).toBeAllclose(e, { atol: tol, rtol: tol });
}

/** Asserts that `fn` leaves no tensor behind. */
export async function expectNoLeak(fn: () => void | Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** A tensor's values as a plain array, read asynchronously (safe on webgpu). */
export async function values(t: tf.Tensor | undefined): Promise<number[]> {
  return t === undefined ? [] : Array.from(await t.data());
}
