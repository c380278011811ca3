import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { type EnergyConfig, EnergyConfigSchema } from './schema.js';
import { createTariff } from './tariff.js';

const energy = (raw: Record<string, unknown>) => Value.Default(EnergyConfigSchema, raw) as EnergyConfig;
// 2026-01-05 is a Monday.
const at = (iso: string) => Date.parse(iso);

describe('tariff', () => {
  it('charges a flat price converted to USD through prices.usd', () => {
    const t = createTariff(energy({ currency: 'EUR', pricePerKwh: 0.3 }), { USD: 1, EUR: 1.1 });
    const p = t.at(at('2026-01-05T12:00:00Z'));
    expect(p).toMatchObject({ pricePerKwh: 0.3, rate: 'flat', currency: 'EUR' });
    expect(p.usdPerKwh).toBeCloseTo(0.33, 9);
  });

  it('applies time-of-use rates by weekday and local hour, windows past midnight included', () => {
    const t = createTariff(
      energy({
        pricePerKwh: 0.25,
        tariff: {
          timezone: 'Europe/Berlin',
          rates: [
            { name: 'night', pricePerKwh: 0.15, from: '22:00', to: '06:00' },
            { name: 'peak', pricePerKwh: 0.4, days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '17:00', to: '20:00' },
          ],
        },
      }),
      { USD: 1 },
    );
    // Berlin is UTC+1 in January.
    expect(t.at(at('2026-01-05T16:30:00Z')).rate).toBe('peak'); // Monday 17:30 local
    expect(t.at(at('2026-01-10T16:30:00Z')).rate).toBe('flat'); // Saturday 17:30 local
    expect(t.at(at('2026-01-05T22:00:00Z')).rate).toBe('night'); // Monday 23:00 local
    expect(t.at(at('2026-01-06T04:59:00Z')).rate).toBe('night'); // Tuesday 05:59 local
    expect(t.at(at('2026-01-06T05:00:00Z')).rate).toBe('flat'); // Tuesday 06:00 local
    expect(t.cheapest()).toBe(0.15);
  });

  it('refuses a currency without a USD price, naming the field', () => {
    expect(() => createTariff(energy({ currency: 'CHF' }), { USD: 1 })).toThrow(/CHF/);
    try {
      createTariff(energy({ currency: 'CHF' }), { USD: 1 });
    } catch (err) {
      expect((err as { details?: { path: string }[] }).details?.[0]?.path).toBe('energy.currency');
    }
  });
});

describe('energy config validation', () => {
  it('names the field of each mistake', async () => {
    const { validateConfig } = await import('../config/validate.js');
    const result = validateConfig({
      energy: {
        enabled: true,
        currency: 'CHF',
        tariff: { timezone: 'Mars/Olympus' },
        estimate: { idleWatts: 50, maxWatts: 40 },
        meters: [
          { name: 'a', type: 'mqtt', url: 'http://x', format: 'tasmota' },
          { name: 'a', type: 'http', url: 'http://x', format: 'json' },
        ],
      },
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'energy.meters[0].url',
        'energy.meters[0].topic',
        'energy.meters[1].name',
        'energy.meters[1].path',
        'energy.currency',
        'energy.tariff.timezone',
        'energy.estimate.maxWatts',
      ]),
    );
  });
});
