import { OrchaError } from '../lib/errors.js';

/**
 * Wei-like integer strings to token units without going through a JS number first
 * (amounts past 2^53 lose precision in JSON.parse and Number()).
 */
export function fromBaseUnits(value: string, decimals: number, label: string): number {
  if (!/^-?\d+$/.test(value)) {
    throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: Expected an integer string, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  const big = BigInt(value);
  const unit = 10n ** BigInt(decimals);
  const whole = big / unit;
  const frac = big % unit;
  return Number(whole) + Number(frac) / Number(unit);
}

/** Token units to a wei-like integer string (the simulators serve these). */
export function toBaseUnits(tokens: number, decimals: number): string {
  // 9 significant decimals through a float, the rest exact zeros: enough for simulated amounts.
  const nano = BigInt(Math.round(tokens * 1e9));
  return decimals >= 9 ? (nano * 10n ** BigInt(decimals - 9)).toString() : (nano / 10n ** BigInt(9 - decimals)).toString();
}
