import { OrchaError } from '../lib/errors.js';

/** Turns token units (or points) into USD. */
export interface PriceSource {
  /** USD per one unit of `token`; throws ORCHA_ERR_VALIDATION for a token it has no price for. */
  usdPerUnit(token: string): number;
  has(token: string): boolean;
}

/** The default: the `prices.usd` table from config (symbols matched case-insensitively). */
export function createStaticPriceSource(table: Record<string, number>): PriceSource {
  const prices = new Map(Object.entries(table).map(([k, v]) => [k.toUpperCase(), v]));
  prices.set('USD', prices.get('USD') ?? 1);
  return {
    has: (token) => prices.has(token.toUpperCase()),
    usdPerUnit(token) {
      const p = prices.get(token.toUpperCase());
      if (p === undefined) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', `No price for token ${token}: add it to prices.usd`, [
          { path: `prices.usd.${token}`, message: 'is required by a configured protocol' },
        ]);
      }
      return p;
    },
  };
}
