import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  hiddenWithinLimits,
  PRESET_SETTINGS,
  type RunSettings,
  settingsFromQuery,
  settingsToQuery,
  WEB_LIMITS,
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

  it.each([
    ['hidden', Array(200).fill(4096).join(','), DEFAULT_SETTINGS.hidden],
    ['hidden', '4096,4096,4096', DEFAULT_SETTINGS.hidden],
    ['hidden', '4097', DEFAULT_SETTINGS.hidden],
    ['hidden', '', DEFAULT_SETTINGS.hidden],
    ['hidden', '1024,1024,1024,1024', [1024, 1024, 1024, 1024]],
    ['seed', '2e64', DEFAULT_SETTINGS.seed],
    ['seed', String(2 ** 53), DEFAULT_SETTINGS.seed],
    ['seed', '-5', -5],
    ['epochs', '101', DEFAULT_SETTINGS.epochs],
    ['batchSize', '4097', DEFAULT_SETTINGS.batchSize],
  ])('bounds %s=%s by the same rules as the form', (key, value, expected) => {
    expect(settingsFromQuery(`${key}=${value}`)[key as keyof RunSettings]).toEqual(expected);
  });

  it('keeps the whole default network within WEB_LIMITS, and refuses 4096³', () => {
    expect(hiddenWithinLimits(DEFAULT_SETTINGS.hidden)).toBe(true);
    expect(hiddenWithinLimits([4096, 4096, 4096])).toBe(false);
    expect(WEB_LIMITS.maxHiddenLayers).toBe(8);
  });
});
