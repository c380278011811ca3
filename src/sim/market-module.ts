import type { Allocation, ProtocolType } from '../domain/resources.js';
import type { Clock } from '../lib/clock.js';
import { SIM_NAMES } from './index.js';
import { createMarket, type Market, type MarketEvent } from './market.js';

/**
 * What the decision benchmark (bench/decision-quality.ts) needs from a market: a module exporting `market` (or a
 * default export) of this shape. docs/markets.md says how to write one; `--markets path/a.ts,path/b.ts` runs any
 * module that implements it, with no change to the benchmark.
 */
export interface MarketModule {
  /** Short name used in reports (letters, digits, dashes). */
  readonly name: string;
  /** One or two sentences for the report's method section: what this market models. */
  readonly description: string;
  /** The protocols this market pays, by name and orcha type (the type selects the protocol profile). */
  readonly protocols: readonly { name: string; type: ProtocolType }[];
  /** A fresh, seeded realisation of the market; every strategy gets its own with the same seed. */
  create(options: MarketCreateOptions): Market;
}

export interface MarketCreateOptions {
  seed: number;
  /** The simulation's clock (virtual): the market advances to `clock.now()` whenever it is read. */
  clock: Clock;
  /** Length of the run in days (events may be scheduled relative to it). */
  days: number;
  /** Every strategy starts from this allocation: a node already running has grown into it. */
  initialAllocation: Allocation;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The simulators' own market's scripted month (seeded jitter on when things happen): a price shock on golem, a
 * node outage on mysterium, and from mid-month grass (the smallest earner) becoming several times more profitable.
 */
export function monthEvents(start: number, seed: number, days: number): MarketEvent[] {
  const jitter = (k: number) => ((seed * 7919 + k * 104_729) % 24) * HOUR;
  const at = (day: number, k: number) => start + Math.min(days - 1, day) * DAY + jitter(k);
  return [
    { protocol: SIM_NAMES.golem, kind: 'shock', at: at(Math.round(days * 0.2), 1), durationMs: 3 * DAY, factor: 0.35 },
    { protocol: SIM_NAMES.mysterium, kind: 'outage', at: at(Math.round(days * 0.35), 2), durationMs: 10 * HOUR },
    { protocol: SIM_NAMES.grass, kind: 'boost', at: at(Math.round(days * 0.5), 3), factor: 5 },
  ];
}

const TYPES: ProtocolType[] = ['storj', 'golem', 'mysterium', 'streamr', 'grass'];

/** src/sim/market.ts as a benchmark market: smooth concave curves, daily drift, hourly noise, three scripted events. */
export const simMarket: MarketModule = {
  name: 'sim',
  description:
    "The simulators' own model (src/sim/market.ts): concave per-resource response curves with resource time constants (cpu/memory minutes, bandwidth hours, storage weeks), a seeded daily price drift, hourly gaussian noise, a golem price shock, a 10-hour mysterium outage and a 5x grass boost from mid-month.",
  protocols: TYPES.map((type) => ({ name: SIM_NAMES[type], type })),
  create(options) {
    const start = Math.floor(options.clock.now() / DAY) * DAY;
    return createMarket({
      seed: options.seed,
      clock: options.clock,
      events: monthEvents(start, options.seed, options.days),
      protocols: this.protocols.map((p) => ({ ...p, initialAllocation: options.initialAllocation[p.name] })),
    });
  },
};

/** The benchmark loads `market` (or the default export) from a module path. */
export const market = simMarket;
