import { BackendUnavailableError } from '../errors';
import type { BackendName, BackendProbe } from './backend-report';

/** What became of one item tried: it started, or why it did not. */
export type Outcome<T, R> =
  | { readonly item: T; readonly started: R; readonly reason?: undefined }
  | { readonly item: T; readonly reason: string; readonly started?: undefined };

/**
 * Tries `items` in order with `start`, one at a time: a `BackendUnavailableError` (or, with
 * `anyError`, any error) becomes that item's reason; anything else is thrown; `undefined` passes
 * the item over without an outcome. With `untilOne`, stops
 * at the first that starts. Every backend choice (Node's `auto`, its probes and timings, the
 * browser's, tfjs-node's two packages) is this loop.
 */
export async function tryInOrder<T, R>(
  items: readonly T[],
  start: (item: T, outcomes: readonly Outcome<T, R>[]) => Promise<R | undefined>,
  options: { readonly untilOne?: boolean; readonly anyError?: boolean } = {},
): Promise<Outcome<T, R>[]> {
  const outcomes: Outcome<T, R>[] = [];
  for (const item of items) {
    try {
      const started = await start(item, outcomes);
      if (started === undefined) continue;
      outcomes.push({ item, started });
      if (options.untilOne) break;
    } catch (error) {
      if (!(options.anyError || BackendUnavailableError.isInstance(error))) throw error;
      outcomes.push({ item, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}

/** The outcomes that started, in order. */
export const startedOf = <T, R>(outcomes: readonly Outcome<T, R>[]): { item: T; started: R }[] =>
  outcomes.flatMap((o) => (o.reason === undefined ? [{ item: o.item, started: o.started }] : []));

/** The reasons of the outcomes that did not start, in order. */
export const reasonsOf = (outcomes: readonly Outcome<unknown, unknown>[]): string[] =>
  outcomes.flatMap((o) => (o.reason === undefined ? [] : [o.reason]));

/** The backends that did not start, each with why, as a report lists them. */
export const skippedOf = (outcomes: readonly Outcome<BackendName, unknown>[]): BackendProbe[] =>
  outcomes.flatMap(({ item, reason }) =>
    reason === undefined ? [] : [{ backend: item, available: false, reason }],
  );

/**
 * Why `auto` passes a GPU backend over on a software adapter (SwiftShader, llvmpipe): it trains
 * ~100× slower than wasm on the same CPU (46 against 4000 samples/s measured). `asking` says how to
 * have it anyway.
 */
export const softwareAdapter = (name: BackendName, device: string, asking: string): Error =>
  new BackendUnavailableError(
    name,
    `${name} runs on a software adapter (${device}), far slower than wasm on this CPU; ${asking}`,
  );

/** `auto`'s error when nothing started, with every reason (one a line, or `; `-separated). */
export function nothingStarted(reasons: readonly string[], layout: 'lines' | 'inline'): Error {
  const list = layout === 'lines' ? `\n  ${reasons.join('\n  ')}` : ` ${reasons.join('; ')}`;
  return new BackendUnavailableError('auto', `no tfjs backend could start:${list}`);
}
