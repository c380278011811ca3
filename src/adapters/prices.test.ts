import { describe, expect, it } from 'vitest';
import { createStaticPriceSource } from './prices.js';

describe('static prices', () => {
  it('converts by the configured table, case-insensitively, USD always 1 unless set', () => {
    const p = createStaticPriceSource({ glm: 0.3, GRASS: 0.0002 });
    expect(p.usdPerUnit('GLM')).toBe(0.3);
    expect(p.usdPerUnit('grass')).toBe(0.0002);
    expect(p.usdPerUnit('USD')).toBe(1);
    expect(p.has('MYST')).toBe(false);
  });

  it('a token without a price is an error naming the config key, not a zero', () => {
    expect(() => createStaticPriceSource({}).usdPerUnit('MYST')).toThrow(/prices\.usd/);
  });
});
