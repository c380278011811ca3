import { type ProtocolType, type ResourceShares, zeroShares } from '../domain/resources.js';
import { SIM_NAMES } from './index.js';
import type { Market, MarketEvent, MarketModel, ProtocolEconomics } from './market.js';
import type { MarketCreateOptions, MarketModule } from './market-module.js';
import { gaussian, hashString, uniform } from './random.js';

/**
 * A harsher market for the decision benchmark, built from what real nodes do (shared/protocols.md):
 * - storage (storj) earns on the data it stores, which fills over weeks up to the allocation; cutting the allocation
 *   below the data stored deletes it (counted), and every change restarts the node (minutes of no earnings);
 * - compute (golem) runs tasks in whole slots of one core and 2 GiB: below one slot it earns nothing;
 * - bandwidth sharers (mysterium, grass) are capped by demand, which follows a daily and a weekly cycle;
 * - streamr needs a minimum of cpu and memory to run at all;
 * - earnings are reported with lags of an hour to a day, in lumps at each protocol's cadence;
 * - correlated token crashes hit every token-paid protocol at once and recover over days; one node goes down for
 *   days; hourly noise is heavy-tailed (Student t, 3 degrees of freedom).
 * `trueUsdPerHour` is the noise-free steady state at `time` (drift, crashes, demand and outages included; storage
 * counted as the data that could be stored within a week at the full fill rate, not counting the bandwidth the fill
 * needs): what the oracle optimizes.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEP_MS = 5 * MINUTE;

interface Spec {
  type: ProtocolType;
  token: string;
  tokenUsd: number;
  /** Reporting cadence and lag. */
  cadenceMs: number;
  lagMs: number;
  /** Minutes without earnings after any change of allocation (0 = applies live). */
  restartMinutes: number;
  /** Affected by crypto-market crashes (paid in a volatile token). */
  volatile: boolean;
}

const SPECS: Record<string, Spec> = {
  [SIM_NAMES.storj]: { type: 'storj', token: 'USD', tokenUsd: 1, cadenceMs: 12 * HOUR, lagMs: 12 * HOUR, restartMinutes: 10, volatile: false },
  [SIM_NAMES.golem]: { type: 'golem', token: 'GLM', tokenUsd: 0.3, cadenceMs: HOUR, lagMs: 6 * HOUR, restartMinutes: 5, volatile: true },
  [SIM_NAMES.mysterium]: { type: 'mysterium', token: 'MYST', tokenUsd: 0.12, cadenceMs: HOUR, lagMs: HOUR, restartMinutes: 0, volatile: true },
  [SIM_NAMES.streamr]: { type: 'streamr', token: 'DATA', tokenUsd: 0.02, cadenceMs: 6 * HOUR, lagMs: 12 * HOUR, restartMinutes: 0, volatile: true },
  [SIM_NAMES.grass]: { type: 'grass', token: 'GRASS', tokenUsd: 0.0002, cadenceMs: DAY, lagMs: DAY, restartMinutes: 0, volatile: true },
};

/** Storage: USD/h per percent of the disk stored; fill in percent of the disk per day while room is allocated. */
const STORJ = { usdPerStoredPct: 0.004, egressShare: 0.25, fillPctPerDay: 0.6, initialFill: 0.6 };
/** Compute slots: one core of 8 and 2 GiB of 32; each further slot finds less demand. */
const GOLEM = { slotCpu: 12.5, slotMemory: 6.25, usdPerSlot: 0.03, demandDecay: 0.8, maxSlots: 6 };

const exp1 = (x: number, k: number) => 1 - Math.exp(-Math.max(0, x) / k);

/** Demand multipliers: daily cycle peaking mid-afternoon UTC, weekends lower. */
function dailyCycle(time: number, amplitude: number): number {
  const h = (time % DAY) / HOUR;
  return 1 + amplitude * Math.sin((2 * Math.PI * (h - 8)) / 24);
}
function weeklyCycle(time: number, weekendFactor: number): number {
  const dow = new Date(time).getUTCDay();
  return dow === 0 || dow === 6 ? weekendFactor : 1;
}

/** Steady-state USD/h of one protocol at `shares` and `time`, before drift, events and noise. */
function baseRate(name: string, shares: ResourceShares, stored: number, time: number): number {
  switch (SPECS[name]?.type) {
    case 'storj': {
      if (shares.cpu < 1 || shares.memory < 1) return 0;
      const storage = STORJ.usdPerStoredPct * stored;
      return storage * (1 + STORJ.egressShare * exp1(shares.bandwidth, 3));
    }
    case 'golem': {
      const slots = Math.min(GOLEM.maxSlots, Math.floor(Math.min(shares.cpu / GOLEM.slotCpu, shares.memory / GOLEM.slotMemory) + 1e-9));
      let usd = 0;
      for (let k = 0; k < slots; k++) usd += GOLEM.usdPerSlot * GOLEM.demandDecay ** k;
      return usd * (shares.bandwidth >= 0.5 ? 1 : 0.5);
    }
    case 'mysterium':
      return Math.min(0.07 * exp1(shares.bandwidth, 20), 0.032 * dailyCycle(time, 0.7) * weeklyCycle(time, 0.8));
    case 'grass':
      return Math.min(0.035 * exp1(shares.bandwidth, 10), 0.018 * dailyCycle(time, 0.5) * weeklyCycle(time, 0.6));
    case 'streamr':
      if (shares.cpu < 3 || shares.memory < 6) return 0;
      return 0.02 * exp1(shares.cpu, 15) + 0.012 * exp1(shares.memory, 20) + 0.006 * exp1(shares.bandwidth, 10);
    default:
      return 0;
  }
}

/** Student t with 3 degrees of freedom from hashed normals: heavy tails (a few hours a month far off the mean). */
function studentT3(seed: number, stream: number, index: number): number {
  const z = gaussian(seed, stream, index, 11);
  let chi = 0;
  for (let k = 0; k < 3; k++) chi += gaussian(seed, stream, index, 12 + k) ** 2;
  return z / Math.sqrt(Math.max(1e-6, chi / 3));
}

/** The month's events: two correlated token crashes, one multi-day outage (which node and when are seeded). */
export function harshEvents(start: number, seed: number, days: number): MarketEvent[] {
  const names = Object.keys(SPECS);
  const volatile = names.filter((n) => SPECS[n].volatile);
  const at = (k: number, lo: number, hi: number) => start + Math.floor((lo + (hi - lo) * uniform(seed, 977, k)) * days * DAY / HOUR) * HOUR;
  const events: MarketEvent[] = [];
  for (const [k, when] of [[1, at(1, 0.15, 0.35)], [2, at(2, 0.55, 0.8)]] as const) {
    const depth = 0.35 + 0.3 * uniform(seed, 978, k);
    for (const n of volatile) events.push({ protocol: n, kind: 'shock', at: when, durationMs: (3 + Math.round(3 * uniform(seed, 979, k))) * DAY, factor: depth });
  }
  const down = names[Math.floor(uniform(seed, 980) * names.length)];
  events.push({ protocol: down, kind: 'outage', at: at(3, 0.3, 0.7), durationMs: (2 + Math.round(uniform(seed, 981))) * DAY });
  return events;
}

function createHarsh(options: MarketCreateOptions): Market {
  const { seed, clock } = options;
  const start = Math.floor(clock.now() / DAY) * DAY;
  const events = harshEvents(start, seed, options.days);
  const active = (e: MarketEvent, time: number) => time >= e.at && (e.durationMs === undefined || time < e.at + e.durationMs);
  const eventFactor = (name: string, time: number) => {
    let f = 1;
    for (const e of events) {
      if (e.protocol !== name || !active(e, time)) continue;
      if (e.kind === 'outage') return 0;
      // Crashes recover: the full depth at first, back to 1 by the end of the event.
      const progress = e.durationMs ? (time - e.at) / e.durationMs : 0;
      const depth = e.factor ?? 0.5;
      f *= e.kind === 'shock' ? depth + (1 - depth) * progress : depth;
    }
    return f;
  };

  function createModel(name: string): MarketModel {
    const spec = SPECS[name];
    const stream = hashString(name);
    const walk: number[] = [0];
    const driftAt = (time: number) => {
      const d = Math.max(0, (time - start) / DAY);
      const day = Math.floor(d);
      while (walk.length <= day + 1) walk.push(walk[walk.length - 1] + 0.05 * gaussian(seed, stream, walk.length, 3));
      return Math.exp(Math.max(-0.8, Math.min(0.8, walk[day] + (walk[day + 1] - walk[day]) * (d - day))));
    };
    const noiseAt = (time: number) => Math.max(0, 1 + 0.12 * Math.max(-8, Math.min(8, studentT3(seed, stream, Math.floor(time / HOUR)))));

    let target: ResourceShares = { ...(options.initialAllocation[name] ?? zeroShares()) };
    const isStorage = spec.type === 'storj';
    let stored = isStorage ? target.storage * STORJ.initialFill : 0;
    let deleted = 0;
    let downUntil = -Infinity;
    let usd = 0;
    let t = clock.now();
    /** Cumulative USD at each cadence boundary since the start (what the node will have reported, once lagged). */
    const boundaries: number[] = [0];
    const origin = t;

    const rate = (time: number, noisy: boolean) => {
      if (time < downUntil) return 0;
      const r = baseRate(name, target, stored, time) * driftAt(time) * eventFactor(name, time);
      return noisy ? r * noiseAt(time) : r;
    };
    const advance = () => {
      const now = clock.now();
      while (t < now) {
        const dt = Math.min(STEP_MS, now - t);
        if (isStorage && stored < target.storage) stored = Math.min(target.storage, stored + (STORJ.fillPctPerDay * dt * exp1(target.bandwidth, 2)) / DAY);
        usd += (rate(t, true) * dt) / HOUR;
        t += dt;
        while (origin + boundaries.length * spec.cadenceMs <= t) boundaries.push(usd);
      }
    };
    const reported = () => {
      advance();
      const index = Math.floor((t - spec.lagMs - origin) / spec.cadenceMs);
      return index < 0 ? 0 : boundaries[Math.min(index, boundaries.length - 1)];
    };
    const economics: ProtocolEconomics = {
      token: spec.token,
      tokenUsd: spec.tokenUsd,
      maxUsdPerHour: zeroShares(),
      saturationShare: { cpu: 1, memory: 1, bandwidth: 1, storage: 1 },
    };
    return {
      protocol: name,
      type: spec.type,
      economics,
      restartMinutes: spec.restartMinutes,
      trueUsdPerHour(shares, time) {
        advance();
        // Storage pays on data, not on room: what a week of filling could store, at most.
        const keep = isStorage ? Math.min(shares.storage, stored + STORJ.fillPctPerDay * 7) : 0;
        return baseRate(name, shares, keep, time) * driftAt(time) * eventFactor(name, time);
      },
      currentUsdPerHour() {
        advance();
        return rate(t, true);
      },
      allocation: () => ({ ...target }),
      setAllocation(shares) {
        advance();
        const changed = (Object.keys(shares) as (keyof ResourceShares)[]).some((r) => Math.abs(shares[r] - target[r]) > 1e-6);
        if (changed && spec.restartMinutes > 0) downUntil = t + spec.restartMinutes * MINUTE;
        target = { ...shares };
        if (isStorage && stored > target.storage) {
          deleted += stored - target.storage;
          stored = target.storage;
        }
      },
      effectiveShares() {
        advance();
        return { ...target, storage: stored };
      },
      cumulativeUsd() {
        advance();
        return usd;
      },
      cumulativeTokens: () => reported() / spec.tokenUsd,
      reportedCumulativeUsd: reported,
      dataDeletedPercent: () => deleted,
      dropCounter() {},
      inOutage: (time = clock.now()) => events.some((e) => e.protocol === name && e.kind === 'outage' && active(e, time)),
    };
  }

  const models = new Map(Object.keys(SPECS).map((n) => [n, createModel(n)]));
  return {
    seed,
    models,
    events,
    trueUsdPerHour(allocation, time) {
      let sum = 0;
      for (const [name, model] of models) sum += model.trueUsdPerHour(allocation[name] ?? zeroShares(), time);
      return sum;
    },
    addEvent: (e) => void events.push(e),
  };
}

export const harshMarket: MarketModule = {
  name: 'harsh',
  description:
    'src/sim/market-harsh.ts: storage paid on data stored that fills over weeks and is deleted when cut (restart on change), compute in whole slots of one core and 2 GiB, bandwidth sharers capped by demand with daily and weekly cycles, reporting lags of 1 h to a day in lumps, two correlated token crashes, a 2-3 day outage of one node, heavy-tailed (t3) hourly noise.',
  protocols: Object.entries(SPECS).map(([name, s]) => ({ name, type: s.type })),
  create: createHarsh,
};

export const market = harshMarket;
