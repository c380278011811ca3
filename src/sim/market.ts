import { type Allocation, type ProtocolType, RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Resource, type ResourceShares, zeroShares } from '../domain/resources.js';
import type { Clock } from '../lib/clock.js';
import { gaussian, hashString } from './random.js';

/**
 * The simulated market behind the node simulators. Each protocol earns, per resource, a concave (diminishing
 * returns) amount of its share: max_r * (1 - exp(-share_r / k_r)). The share that counts is the *effective* one,
 * which follows the applied allocation with the resource's time constant (storage fills over weeks). The whole
 * curve drifts daily (a seeded random walk), scheduled events shock or boost it, and hourly noise is applied to what
 * is actually earned. `trueUsdPerHour` is the noise-free, lag-free curve: the oracle benchmarks compare against.
 */

export interface ProtocolEconomics {
  token: string;
  /** USD per token the simulator converts earnings at (match config prices.usd to read USD back exactly). */
  tokenUsd: number;
  /** USD/h approached as a resource's share grows. */
  maxUsdPerHour: ResourceShares;
  /** Share (percent) at which a resource yields 63 % of its maximum: smaller = saturates sooner. */
  saturationShare: ResourceShares;
}

const econ = (token: string, tokenUsd: number, max: Partial<ResourceShares>, sat: Partial<ResourceShares> = {}): ProtocolEconomics => ({
  token,
  tokenUsd,
  maxUsdPerHour: { ...zeroShares(), ...max },
  saturationShare: { cpu: 25, memory: 25, bandwidth: 30, storage: 40, ...sat },
});

/** Default economics per simulated type (tokens priced as the config's default price table). */
export const DEFAULT_ECONOMICS: Record<ProtocolType, ProtocolEconomics> = {
  storj: econ('USD', 1, { storage: 0.08, bandwidth: 0.02, cpu: 0.002 }, { storage: 45 }),
  golem: econ('GLM', 0.3, { cpu: 0.07, memory: 0.025 }, { cpu: 35, memory: 30 }),
  mysterium: econ('MYST', 0.12, { bandwidth: 0.05, cpu: 0.004 }, { bandwidth: 25 }),
  streamr: econ('DATA', 0.02, { cpu: 0.012, memory: 0.01, bandwidth: 0.02 }, { cpu: 15, memory: 15, bandwidth: 20 }),
  grass: econ('GRASS', 0.0002, { bandwidth: 0.02 }, { bandwidth: 15 }),
  'http-json': econ('USD', 1, { bandwidth: 0.012 }, { bandwidth: 15 }),
};

export type MarketEventKind = 'shock' | 'outage' | 'boost';

export interface MarketEvent {
  protocol: string;
  kind: MarketEventKind;
  /** epoch ms */
  at: number;
  /** How long it lasts; omitted = for good. */
  durationMs?: number;
  /** Earnings multiplier while active (shock < 1, boost > 1; outage is 0). */
  factor?: number;
}

export interface MarketModel {
  readonly protocol: string;
  readonly type: ProtocolType;
  readonly economics: ProtocolEconomics;
  /** Noise-free steady-state USD/h for `shares` held long enough to take full effect, at `time`. */
  trueUsdPerHour(shares: ResourceShares, time: number): number;
  /** USD/h being earned now (lagged effective shares, drift, events, noise). */
  currentUsdPerHour(): number;
  allocation(): ResourceShares;
  setAllocation(shares: ResourceShares): void;
  effectiveShares(): ResourceShares;
  /** Cumulative earnings in token units, advanced to the clock's now. */
  cumulativeTokens(): number;
  cumulativeUsd(): number;
  /** The counter drops by `fraction` (a payout of a balance, or a reset). */
  dropCounter(fraction: number): void;
  /** True while an outage event is active. */
  inOutage(time?: number): boolean;
  /** What the node reports as its cumulative USD (lagged, in lumps); default: `cumulativeUsd()`. */
  reportedCumulativeUsd?(): number;
  /** Stored data deleted so far by cuts below it, in percent of the disk (storage markets). */
  dataDeletedPercent?(): number;
  /** Minutes without earnings after any change of allocation (default 0): a switching cost the oracle weighs. */
  readonly restartMinutes?: number;
}

export interface Market {
  readonly seed: number;
  readonly models: Map<string, MarketModel>;
  readonly events: MarketEvent[];
  /** Oracle: total noise-free USD/h of an allocation at `time`. */
  trueUsdPerHour(allocation: Allocation, time: number): number;
  addEvent(event: MarketEvent): void;
}

export interface MarketOptions {
  seed: number;
  clock: Clock;
  protocols: { name: string; type: ProtocolType; economics?: ProtocolEconomics; initialAllocation?: ResourceShares }[];
  events?: MarketEvent[];
  /** Daily drift volatility (log scale, default 0.04) and hourly noise (default 0.05). */
  dailyVolatility?: number;
  hourlyNoise?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Integration step: small against the fastest time constant (5 min). */
const STEP_MS = 60_000;

export function createMarket(options: MarketOptions): Market {
  const events = [...(options.events ?? [])];
  const vol = options.dailyVolatility ?? 0.04;
  const noise = options.hourlyNoise ?? 0.05;
  const origin = Math.floor(options.clock.now() / DAY) * DAY;

  function eventFactor(protocol: string, time: number): number {
    let f = 1;
    for (const e of events) {
      if (e.protocol !== protocol || time < e.at || (e.durationMs !== undefined && time >= e.at + e.durationMs)) continue;
      f *= e.kind === 'outage' ? 0 : (e.factor ?? (e.kind === 'shock' ? 0.5 : 2));
    }
    return f;
  }

  function createModel(p: MarketOptions['protocols'][number]): MarketModel {
    const economics = p.economics ?? DEFAULT_ECONOMICS[p.type];
    const stream = hashString(p.name);
    // Cumulative log-drift at the start of each day since origin (extended lazily).
    const walk: number[] = [0];
    const driftAt = (time: number): number => {
      const d = (time - origin) / DAY;
      if (d <= 0) return 1;
      const day = Math.floor(d);
      while (walk.length <= day + 1) walk.push(walk[walk.length - 1]! + vol * gaussian(options.seed, stream, walk.length));
      const log = walk[day]! + (walk[day + 1]! - walk[day]!) * (d - day);
      return Math.exp(Math.max(-0.7, Math.min(0.7, log)));
    };
    const curve = (shares: ResourceShares): number =>
      RESOURCES.reduce((sum, r) => sum + economics.maxUsdPerHour[r] * (1 - Math.exp(-Math.max(0, shares[r]) / economics.saturationShare[r])), 0);
    const noiseAt = (time: number) => Math.max(0, 1 + noise * gaussian(options.seed, stream, Math.floor(time / HOUR), 7));
    const rateAt = (eff: ResourceShares, time: number) => curve(eff) * driftAt(time) * eventFactor(p.name, time) * noiseAt(time);

    let target: ResourceShares = { ...(p.initialAllocation ?? zeroShares()) };
    // A node that was already running with its allocation has grown into it.
    const eff: ResourceShares = { ...target };
    let usd = 0;
    let t = options.clock.now();

    const advance = () => {
      const now = options.clock.now();
      while (t < now) {
        const dt = Math.min(STEP_MS, now - t);
        for (const r of RESOURCES as readonly Resource[]) {
          eff[r] += (target[r] - eff[r]) * (1 - Math.exp(-dt / RESOURCE_TIME_CONSTANT_MS[r]));
        }
        usd += (rateAt(eff, t) * dt) / HOUR;
        t += dt;
      }
    };

    return {
      protocol: p.name,
      type: p.type,
      economics,
      trueUsdPerHour: (shares, time) => curve(shares) * driftAt(time) * eventFactor(p.name, time),
      currentUsdPerHour() {
        advance();
        return rateAt(eff, t);
      },
      allocation: () => ({ ...target }),
      setAllocation(shares) {
        advance();
        target = { ...shares };
      },
      effectiveShares() {
        advance();
        return { ...eff };
      },
      cumulativeUsd() {
        advance();
        return usd;
      },
      cumulativeTokens() {
        advance();
        return usd / economics.tokenUsd;
      },
      dropCounter(fraction) {
        advance();
        usd *= 1 - Math.min(1, Math.max(0, fraction));
      },
      inOutage: (time = options.clock.now()) =>
        events.some((e) => e.protocol === p.name && e.kind === 'outage' && time >= e.at && (e.durationMs === undefined || time < e.at + e.durationMs)),
    };
  }

  const models = new Map(options.protocols.map((p) => [p.name, createModel(p)]));
  return {
    seed: options.seed,
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
