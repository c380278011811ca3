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
import { type Allocation, RESOURCE_TIME_CONSTANT_MS, RESOURCES, type ResourceShares } from '../../src/domain/resources.js';
import type { HostResources, ProtocolSample, Snapshot } from '../../src/domain/sample.js';
import { estimateHostWatts } from '../../src/energy/attribution.js';
import { createEnergyService, type EnergyService, netOptimizerInput } from '../../src/energy/index.js';
import { createHighsSolver, createStrategy, type LpSolver } from '../../src/engine/optimizer/index.js';
import { createReallocationEngine, type Decision, type ReallocationEngine } from '../../src/engine/reallocation/index.js';
import type { Executor } from '../../src/executors/types.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Market, MarketModel } from '../../src/sim/market.js';
import type { MarketModule } from '../../src/sim/market-module.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createOracleRunner } from './oracle-run.js';

export type StrategyName = 'oracle' | 'lp' | 'greedy' | 'equal';

export const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GiB = 2 ** 30;

const roundShares = (s: ResourceShares): ResourceShares => ({
  cpu: Math.round(s.cpu * 10) / 10,
  memory: Math.round(s.memory * 10) / 10,
  bandwidth: Math.round(s.bandwidth * 10) / 10,
  storage: Math.round(s.storage * 10) / 10,
});

export interface RunOptions {
  market: MarketModule;
  seed: number;
  strategy: StrategyName;
  days: number;
  /** Simulated minutes between samples (one coordinator poll's worth of information each). */
  sampleMinutes: number;
  /** Samples between two decisions of the engine (orcha decides every intervals.decide; coarser here for speed). */
  decideEverySamples: number;
  solver: LpSolver;
  /**
   * Power costs (bench/net-optimizer.ts): the host draws idle + (max - idle) x its CPU load, the load following the
   * CPU the protocols are given, priced flat; `net` lets the optimizer see rates net of that cost, as orcha does with
   * energy accounting on. The run then also reports the energy and its cost.
   */
  power?: { idleWatts: number; maxWatts: number; pricePerKwh: number; net: boolean };
  /** Diagnostics: called after each decision of orcha's engine with the decision and the true rates around it. */
  onDecision?: (d: Decision, info: { now: number; trueBefore: number; trueAfter: number; market: Market }) => void;
  /** Diagnostics: called after every sample (and the decision that followed it) with the market as it stands. */
  onStep?: (info: { now: number; market: Market }) => void;
}

export interface RunResult {
  market: string;
  strategy: StrategyName;
  seed: number;
  earnedUsd: number;
  /** What each node truly earned over the month, USD. */
  earnedByProtocol: Record<string, number>;
  reallocations: number;
  explorations: number;
  decisions: number;
  skipped: Record<string, number>;
  /** The allocation held at the end of the month. */
  final: Allocation;
  /** Stored data deleted by cuts below it, percent of the disk, summed over the month. */
  dataDeletedPercent: number;
  /** Applied moves (probes excluded): the plans' projected change and the true change it made, USD/h, summed. */
  projectedUsdPerHour: number;
  trueEffectUsdPerHour: number;
  judgedMoves: number;
  /** With `power`: what the host drew over the month and what it cost, USD. */
  energyKwh?: number;
  powerCostUsd?: number;
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

/** Everyone starts from the same split: what the capacity (100 - reserve) gives each protocol equally. */
function initialAllocation(market: MarketModule, config: Config): Allocation {
  const out: Allocation = {};
  for (const p of market.protocols) {
    const s = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
    for (const r of RESOURCES) s[r] = Math.floor(((100 - config.host.reserve[r]) / market.protocols.length) * 100) / 100;
    out[p.name] = s;
  }
  return out;
}

function benchConfig(market: MarketModule, strategy: StrategyName, power?: RunOptions['power']): Config {
  const base = buildConfig({}, {});
  const energy = power
    ? { energy: { enabled: true, recordInterval: 60, pricePerKwh: power.pricePerKwh, estimate: { idleWatts: power.idleWatts, maxWatts: power.maxWatts } } }
    : {};
  const equal = initialAllocation(market, base);
  return buildConfig(
    {
      protocols: market.protocols.map((p) => ({
        name: p.name,
        type: p.type,
        endpoint: `http://127.0.0.1:9/${p.name}`,
        executor: { type: 'dry-run' },
        initialAllocation: equal[p.name],
      })),
      reallocation: { mode: 'auto' },
      optimizer: { strategy: strategy === 'greedy' ? 'greedy' : strategy === 'equal' ? 'equal' : 'lp' },
      ...energy,
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
    // Percent of one core, as Docker measures a container: the protocol keeps 60 % of the cores its share is busy.
    cpuPercent: alloc.cpu * 0.6 * HOST.cpuCount,
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
  const { power } = options;
  const config = benchConfig(options.market, options.strategy, power);
  const initial = initialAllocation(options.market, config);
  const market: Market = options.market.create({ seed: options.seed, clock, days: options.days, initialAllocation: initial });
  const models = [...market.models.values()];
  const { store, close } = await tempStore();
  const executors = new Map(models.map((m) => [m.protocol, marketExecutor(m, clock)]));
  let latest: Snapshot | null = null;
  let history: Snapshot[] = [];
  // What the store would hold for buildOptimizerInput: the fitted window, and the storage time constant over which it
  // reads whether a storage node's fill answers its bandwidth.
  const historyMs = Math.max(config.optimizer.historyHours * HOUR, RESOURCE_TIME_CONSTANT_MS.storage);
  const health = () => Object.fromEntries(models.map((m) => [m.protocol, !m.inOutage(clock.now())]));

  // With power costs: orcha's own energy accounting (the declared-watts estimate) follows every snapshot.
  const energy: EnergyService | null = power
    ? createEnergyService({ getConfig: () => config, store, clock, log: silentLogger(), baseDir: '.' })
    : null;
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
      ...(energy && power?.net ? { buildInput: netOptimizerInput(energy) } : {}),
    });
  }
  const oracle =
    options.strategy === 'oracle'
      ? createOracleRunner({ market, config, executors, solver: options.solver, initial, now: () => clock.now() })
      : null;

  const result: RunResult = {
    market: options.market.name,
    strategy: options.strategy,
    seed: options.seed,
    earnedUsd: 0,
    earnedByProtocol: {},
    reallocations: 0,
    explorations: 0,
    decisions: 0,
    skipped: {},
    final: {},
    dataDeletedPercent: 0,
    projectedUsdPerHour: 0,
    trueEffectUsdPerHour: 0,
    judgedMoves: 0,
  };
  const reported = (m: MarketModel) => m.reportedCumulativeUsd?.() ?? m.cumulativeUsd();
  const stepMs = options.sampleMinutes * MINUTE;
  const steps = Math.round((options.days * DAY) / stepMs);
  const lastUsd = new Map(models.map((m) => [m.protocol, reported(m)]));

  try {
    for (let i = 1; i <= steps; i++) {
      await clock.advance(stepMs);
      const now = clock.now();
      const samples = models.map((m) => {
        const usd = reported(m);
        const earned = usd - lastUsd.get(m.protocol)!;
        lastUsd.set(m.protocol, usd);
        return sampleOf(m, now, (earned * HOUR) / stepMs, earned, !m.inOutage(now));
      });
      // With power costs the host's CPU load is what the protocols use, so the draw follows the allocation.
      const host = power ? { ...HOST, cpuPercent: Math.min(100, samples.reduce((s, p) => s + (p.cpuPercent ?? 0), 0) / HOST.cpuCount) } : HOST;
      latest = { time: now, totalUsdPerHour: samples.reduce((s, p) => s + p.usdPerHour, 0), host, protocols: samples };
      // Only the engine and energy accounting read the store; the oracle and the equal split need no writes.
      if (engine || energy) await store.metrics.insertSnapshot(latest);
      if (energy && power) {
        await energy.observe(latest);
        const kwh = (estimateHostWatts(latest, config.energy) / 1000) * (stepMs / HOUR);
        result.energyKwh = (result.energyKwh ?? 0) + kwh;
        result.powerCostUsd = (result.powerCostUsd ?? 0) + kwh * power.pricePerKwh;
      }
      history.push(latest);
      if (history[0].time < now - historyMs) history = history.filter((h) => h.time >= now - historyMs);

      if (engine && i % options.decideEverySamples === 0) {
        const before = engine.current();
        const d = await engine.decide({ trigger: 'loop' });
        result.decisions++;
        options.onDecision?.(d, { now, trueBefore: market.trueUsdPerHour(before, now), trueAfter: market.trueUsdPerHour(engine.current(), now), market });
        if (d.status === 'applied') {
          result.reallocations++;
          if (d.reallocation.exploration) result.explorations++;
          else if (d.plan) {
            result.judgedMoves++;
            result.projectedUsdPerHour += d.plan.improvementUsdPerHour;
            result.trueEffectUsdPerHour += market.trueUsdPerHour(engine.current(), now) - market.trueUsdPerHour(before, now);
          }
        } else if (d.code) result.skipped[d.code] = (result.skipped[d.code] ?? 0) + 1;
      }
      if (oracle) await oracle.step(now, stepMs, latest, health());
      options.onStep?.({ now, market });
    }
    result.earnedUsd = models.reduce((s, m) => s + m.cumulativeUsd(), 0);
    if (oracle) {
      result.reallocations = oracle.changes;
      result.decisions = oracle.plans;
    }
    result.earnedByProtocol = Object.fromEntries(models.map((m) => [m.protocol, m.cumulativeUsd()]));
    result.dataDeletedPercent = models.reduce((s, m) => s + (m.dataDeletedPercent?.() ?? 0), 0);
    result.final = Object.fromEntries(models.map((m) => [m.protocol, roundShares(m.allocation())]));
    return result;
  } finally {
    await energy?.close();
    await close();
  }
}

export { createHighsSolver };
