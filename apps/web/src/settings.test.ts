import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  PRESET_SETTINGS,
  type RunSettings,
  settingsFromQuery,
  settingsToQuery,
} from './settings';

describe('URL settings', () => {
  it('round-trips every field through the query string', () => {
    const s: RunSettings = {
      preset: 'bn',
      activation: 'gelu',
      dropout: 0.25,
      batchNorm: true,
      init: 'xavier-uniform',
      hidden: [128, 64, 32],
      epochs: 3,
      batchSize: 64,
      lr: 0.05,
      momentum: 0.9,
      seed: 7,
      trainSize: 6000,
      testSize: 1000,
    };
    expect(settingsFromQuery(settingsToQuery(s))).toEqual(s);
  });

  it("falls back to the preset's and the lesson's values for missing or invalid ones", () => {
    expect(settingsFromQuery('')).toEqual(DEFAULT_SETTINGS);
    const s = settingsFromQuery(
      'preset=he&epochs=-2&lr=abc&momentum=1.5&seed=2.5&batchSize=8&hidden=512,x&activation=swish',
    );
    expect(s).toEqual({ ...DEFAULT_SETTINGS, ...PRESET_SETTINGS.he, preset: 'he', batchSize: 8 });
  });
});
