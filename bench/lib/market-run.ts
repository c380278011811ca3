/**
 * One strategy through one simulated month. The market model (src/sim/market.ts) is driven directly at a coarse
 * step, without HTTP: each step the clock moves, every node's earnings counter advances, and what an adapter would
 * record (the counter's delta as USD/h, connected or not, the allocation in force) is stored as a snapshot in a real
 * SQLite store. Orcha's strategies see only those samples, through the real reallocation engine and its gates; the
 * oracle sees the true response curves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type Allocation, type ProtocolType, RESOURCES, type ResourceShares } from '../../src/domain/resources.js';
import type { HostResources, ProtocolSample, Snapshot } from '../../src/domain/sample.js';
import { createHighsSolver, createStrategy, type LpSolver, oracleStrategy } from '../../src/engine/optimizer/index.js';
import { buildOptimizerInput, createReallocationEngine, type ReallocationEngine } from '../../src/engine/reallocation/index.js';
import type { Executor } from '../../src/executors/types.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createMarket, type Market, type MarketEvent, type MarketModel } from '../../src/sim/market.js';
import { SIM_NAMES } from '../../src/sim/index.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export type StrategyName = 'oracle' | 'lp' | 'greedy' | 'equal';

export const TYPES: ProtocolType[] = ['storj', 'golem', 'mysterium', 'streamr', 'grass'];
export const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GiB = 2 ** 30;
const ORACLE_EVERY_HOURS = 2;

const roundShares = (s: ResourceShares): ResourceShares => ({
  cpu: Math.round(s.cpu * 10) / 10,
  memory: Math.round(s.memory * 10) / 10,
  bandwidth: Math.round(s.bandwidth * 10) / 10,
  storage: Math.round(s.storage * 10) / 10,
});

/** Whether `time` fell within the step that ended at `now`. */
const crossed = (time: number, now: number, stepMs: number) => time > now - stepMs && time <= now;

export interface RunOptions {
  seed: number;
  strategy: StrategyName;
  days: number;
  /** Simulated minutes between samples (one coordinator poll's worth of information each). */
  sampleMinutes: number;
  /** Samples between two decisions of the engine (orcha decides every intervals.decide; coarser here for speed). */
  decideEverySamples: number;
  solver: LpSolver;
}

export interface RunResult {
  strategy: StrategyName;
  seed: number;
  earnedUsd: number;
  reallocations: number;
  explorations: number;
  decisions: number;
  skipped: Record<string, number>;
  /** The allocation held at the end of the month. */
  final: Allocation;
}

const HOST: HostResources = {
  cpuCount: 8,
  cpuPercent: 40,
  memoryTotalBytes: 32 * GiB,
  memoryUsedBytes: 12 * GiB,
  bandwidthCapacityBytesPerSec: 12_500_000,
  bandwidthBytesPerSec: 4_000_000,
  storageTotalBytes: 8e12,
  storageUsedBytes: 3e12,
};

/**
 * The month's scripted events (seeded jitter on when they happen): a price shock on golem, a node outage on
 * mysterium, and from mid-month grass (the smallest earner) becoming several times more profitable. Daily price
 * drift and hourly noise are the market's own.
 */
export function monthEvents(seed: number, days: number): MarketEvent[] {
  const jitter = (k: number) => ((seed * 7919 + k * 104_729) % 24) * HOUR;
  const at = (day: number, k: number) => START + Math.min(days - 1, day) * DAY + jitter(k);
  return [
    { protocol: SIM_NAMES.golem, kind: 'shock', at: at(Math.round(days * 0.2), 1), durationMs: 3 * DAY, factor: 0.35 },
    { protocol: SIM_NAMES.mysterium, kind: 'outage', at: at(Math.round(days * 0.35), 2), durationMs: 10 * HOUR },
    { protocol: SIM_NAMES.grass, kind: 'boost', at: at(Math.round(days * 0.5), 3), factor: 5 },
  ];
}

/** Everyone starts from the same split: what the capacity (100 - reserve) gives each protocol equally. */
function initialAllocation(config: Config): Allocation {
  const out: Allocation = {};
  for (const t of TYPES) {
    const s = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
    for (const r of RESOURCES) s[r] = Math.floor(((100 - config.host.reserve[r]) / TYPES.length) * 100) / 100;
    out[SIM_NAMES[t]] = s;
  }
  return out;
}

function benchConfig(strategy: StrategyName): Config {
  const base = buildConfig({}, {});
  const equal = initialAllocation(base);
  return buildConfig(
    {
      protocols: TYPES.map((type) => ({
        name: SIM_NAMES[type],
        type: 'golem',
        endpoint: `http://127.0.0.1:9/${SIM_NAMES[type]}`,
        executor: { type: 'dry-run' },
        initialAllocation: equal[SIM_NAMES[type]],
      })),
      reallocation: { mode: 'auto' },
      optimizer: { strategy: strategy === 'greedy' ? 'greedy' : strategy === 'equal' ? 'equal' : 'lp' },
    },
    {},
  );
}

/** Applies allocations straight to the market model (what the simulator executor does over HTTP). */
function marketExecutor(model: MarketModel, clock: VirtualClock): Executor {
  return {
    type: 'simulator',
    protocol: model.protocol,
    restartsOnChange: false,
    async check() {
      if (model.inOutage(clock.now())) throw new Error(`${model.protocol} is down`);
    },
    read: async () => model.allocation(),
    apply: async (shares: ResourceShares) => model.setAllocation(shares),
  };
}

function sampleOf(model: MarketModel, time: number, usdPerHour: number, earnedUsd: number, connected: boolean): ProtocolSample {
  const alloc = model.allocation();
  return {
    protocol: model.protocol,
    type: model.type,
    time,
    connected,
    ...(connected ? {} : { error: 'connection refused' }),
    token: model.economics.token,
    cumulativeTokens: connected ? model.cumulativeTokens() : null,
    earnedTokens: connected ? earnedUsd / model.economics.tokenUsd : 0,
    earnedUsd: connected ? earnedUsd : 0,
    usdPerHour: connected ? usdPerHour : 0,
    payoutEvent: false,
    uptime: connected ? 1 : 0,
    cpuPercent: (alloc.cpu * 0.6 * HOST.cpuCount) / HOST.cpuCount,
    memoryBytes: Math.round((alloc.memory / 100) * HOST.memoryTotalBytes * 0.7),
    bandwidthBytesPerSec: Math.round((alloc.bandwidth / 100) * HOST.bandwidthCapacityBytesPerSec * 0.5),
    storageBytes: Math.round((model.effectiveShares().storage / 100) * HOST.storageTotalBytes),
    allocation: alloc,
    latencyMs: 3,
  };
}

async function tempStore(): Promise<{ store: Store; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'orcha-bench-dq-'));
  const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function runMonth(options: RunOptions): Promise<RunResult> {
  const clock = new VirtualClock(START);
  const config = benchConfig(options.strategy);
  const initial = initialAllocation(config);
  const market: Market = createMarket({
    seed: options.seed,
    clock,
    events: monthEvents(options.seed, options.days),
    protocols: TYPES.map((type) => ({ name: SIM_NAMES[type], type, initialAllocation: initial[SIM_NAMES[type]] })),
  });
  const models = [...market.models.values()];
  const { store, close } = await tempStore();
  const executors = new Map(models.map((m) => [m.protocol, marketExecutor(m, clock)]));
  let latest: Snapshot | null = null;
  let history: Snapshot[] = [];
  const historyMs = config.optimizer.historyHours * HOUR;
  const health = () => Object.fromEntries(models.map((m) => [m.protocol, !m.inOutage(clock.now())]));

  let engine: ReallocationEngine | null = null;
  if (options.strategy === 'lp' || options.strategy === 'greedy') {
    engine = createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy: createStrategy(options.strategy, { solver: options.solver }),
      clock,
      log: silentLogger(),
      getConfig: () => config,
      getState: () => ({ snapshot: latest, health: health(), host: HOST, current: initial }),
      // The coordinator's in-memory history (what buildOptimizerInput reads without a metrics repository): the
      // same samples the store holds, without a SQL round trip per protocol per decision.
      history: () => history,
    });
  }
  const oracle =
    options.strategy === 'oracle'
      ? oracleStrategy((name, shares) => market.models.get(name)!.trueUsdPerHour(shares, clock.now()), { solver: options.solver })
      : null;
  let oracleCurrent: Allocation = structuredClone(initial);
  let oracleChanges = 0;
  let lastOracleSlot = -1;

  const result: RunResult = { strategy: options.strategy, seed: options.seed, earnedUsd: 0, reallocations: 0, explorations: 0, decisions: 0, skipped: {}, final: {} };
  const stepMs = options.sampleMinutes * MINUTE;
  const steps = Math.round((options.days * DAY) / stepMs);
  const lastUsd = new Map(models.map((m) => [m.protocol, m.cumulativeUsd()]));

  try {
    for (let i = 1; i <= steps; i++) {
      await clock.advance(stepMs);
      const now = clock.now();
      const samples = models.map((m) => {
        const usd = m.cumulativeUsd();
        const earned = usd - lastUsd.get(m.protocol)!;
        lastUsd.set(m.protocol, usd);
        return sampleOf(m, now, (earned * HOUR) / stepMs, earned, !m.inOutage(now));
      });
      latest = { time: now, totalUsdPerHour: samples.reduce((s, p) => s + p.usdPerHour, 0), host: HOST, protocols: samples };
      await store.metrics.insertSnapshot(latest);
      history.push(latest);
      if (history[0].time < now - historyMs) history = history.filter((h) => h.time >= now - historyMs);

      if (engine && i % options.decideEverySamples === 0) {
        const d = await engine.decide({ trigger: 'loop' });
        result.decisions++;
        if (d.status === 'applied') {
          result.reallocations++;
          if (d.reallocation.exploration) result.explorations++;
        } else if (d.code) result.skipped[d.code] = (result.skipped[d.code] ?? 0) + 1;
      }
      // The oracle re-plans every ORACLE_EVERY_HOURS (the drift is daily) and at once when an event starts or ends.
      const slot = Math.floor(now / (ORACLE_EVERY_HOURS * HOUR));
      const eventEdge = market.events.some((e) => crossed(e.at, now, stepMs) || (e.durationMs !== undefined && crossed(e.at + e.durationMs, now, stepMs)));
      if (oracle && (slot !== lastOracleSlot || eventEdge)) {
        lastOracleSlot = slot;
        const input = await buildOptimizerInput({ config, now, current: oracleCurrent, snapshot: latest, health: health(), executors });
        // Truth needs no history; connected is the truth too (an outage earns nothing whatever it is given).
        for (const p of input.protocols) {
          p.observations = [];
          p.connected = true;
        }
        const plan = await oracle.plan(input);
        result.decisions++;
        const changed = models.filter((m) => RESOURCES.some((r) => Math.abs(plan.target[m.protocol][r] - oracleCurrent[m.protocol][r]) > 0.01));
        if (changed.length > 0) {
          oracleChanges++;
          for (const m of changed) m.setAllocation(plan.target[m.protocol]);
          oracleCurrent = structuredClone(plan.target);
        }
      }
    }
    result.earnedUsd = models.reduce((s, m) => s + m.cumulativeUsd(), 0);
    if (oracle) result.reallocations = oracleChanges;
    result.final = Object.fromEntries(models.map((m) => [m.protocol, roundShares(m.allocation())]));
    return result;
  } finally {
    await close();
  }
}

export { createHighsSolver };
