/**
 * Electricity price at a moment: a flat price, or time-of-use rates by weekday and time of day in the tariff's time
 * zone. Prices are in the configured currency; `usdPerUnit` turns them into USD, the unit earnings are in.
 */
import { OrchaError } from '../lib/errors.js';
import type { EnergyConfig, TariffRate, Weekday } from './schema.js';
import { WEEKDAYS } from './schema.js';

export interface PriceAt {
  /** Price per kWh in the configured currency. */
  pricePerKwh: number;
  /** The matching rate's name, or "flat" outside every rate. */
  rate: string;
  currency: string;
  /** Price per kWh in USD. */
  usdPerKwh: number;
}

export interface Tariff {
  at(time: number): PriceAt;
  /** Cheapest price the tariff can charge (currency units): hours above it are the expensive ones. */
  cheapest(): number;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

const WEEKDAY_BY_SHORT: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/** Weekday and minute of the day of `time` in `timeZone`. */
function localTime(format: Intl.DateTimeFormat, time: number): { day: Weekday; minute: number } {
  let weekday = 'Mon';
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(time)) {
    if (part.type === 'weekday') weekday = part.value;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day: WEEKDAY_BY_SHORT[weekday] ?? 'mon', minute: hour * 60 + minute };
}

/** Whether a rate covers this local weekday and minute; a window past midnight belongs to the day it starts on. */
export function rateCovers(rate: TariffRate, day: Weekday, minute: number): boolean {
  const from = minutesOf(rate.from);
  const to = minutesOf(rate.to);
  if (from === to) return rate.days.includes(day);
  if (from < to) return rate.days.includes(day) && minute >= from && minute < to;
  const previous = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
  return (rate.days.includes(day) && minute >= from) || (rate.days.includes(previous) && minute < to);
}

/**
 * Build the tariff. The currency must have a USD price (`prices.usd`, where USD is 1): a cost that cannot be
 * compared with earnings is worse than none, so an unknown currency is a config error naming the field.
 */
export function createTariff(energy: EnergyConfig, usdPrices: Record<string, number>): Tariff {
  const usdPerUnit = energy.currency === 'USD' ? 1 : usdPrices[energy.currency];
  if (usdPerUnit === undefined || !Number.isFinite(usdPerUnit)) {
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `No USD price for the tariff currency ${energy.currency}`, [
      { path: 'energy.currency', message: `prices.usd has no entry for ${energy.currency}: add one (USD per ${energy.currency})` },
    ]);
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: energy.tariff.timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  } catch {
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `Unknown time zone ${energy.tariff.timezone}`, [
      { path: 'energy.tariff.timezone', message: 'must be an IANA time zone such as Europe/Berlin' },
    ]);
  }
  const rates = energy.tariff.rates;
  const price = (pricePerKwh: number, rate: string): PriceAt => ({
    pricePerKwh,
    rate,
    currency: energy.currency,
    usdPerKwh: pricePerKwh * usdPerUnit,
  });
  return {
    at(time) {
      if (rates.length === 0) return price(energy.pricePerKwh, 'flat');
      const { day, minute } = localTime(format, time);
      const rate = rates.find((r) => rateCovers(r, day, minute));
      return rate ? price(rate.pricePerKwh, rate.name) : price(energy.pricePerKwh, 'flat');
    },
    cheapest() {
      return Math.min(energy.pricePerKwh, ...rates.map((r) => r.pricePerKwh));
    },
  };
}
