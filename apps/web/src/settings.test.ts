import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsFromQuery, settingsToQuery } from './settings';

describe('URL settings', () => {
  it('round-trips every field through the query string', () => {
    const s = { preset: 'bn', epochs: 3, batchSize: 64, lr: 0.05, momentum: 0.9, seed: 7 } as const;
    expect(settingsFromQuery(settingsToQuery(s))).toEqual(s);
  });

  it('falls back to the lesson defaults for missing or invalid values', () => {
    expect(settingsFromQuery('')).toEqual(DEFAULT_SETTINGS);
    const s = settingsFromQuery('preset=tanh&epochs=-2&lr=abc&momentum=1.5&seed=2.5&batchSize=8');
    expect(s).toEqual({ ...DEFAULT_SETTINGS, batchSize: 8 });
  });
});
